/**
 * The Recorder's write budget: a token bucket on the Recorder's clock. close() switches it to
 * `shutdownWriteBudget` (never slower than the steady one), or lifts it when that is `false`.
 */
import { TokenBucket } from '../util/token-bucket.ts';
import { sleep } from '../util/sleep.ts';
import { systemRecorderClock, type RecorderClock } from './clock.ts';
import type { ResolvedRecorderOptions } from './options.ts';

export function writeBudget(options: ResolvedRecorderOptions, clock: RecorderClock): TokenBucket | undefined {
  if (options.writeBudget === false) return undefined;
  return new TokenBucket(options.writeBudget, {
    now: () => clock.now(),
    sleep: (ms, signal) => (clock === systemRecorderClock ? sleep(ms, signal) : clockSleep(clock, ms, signal)),
  });
}

export function useShutdownBudget(bucket: TokenBucket | undefined, options: ResolvedRecorderOptions): void {
  const steady = options.writeBudget;
  const shutdown = options.shutdownWriteBudget;
  if (bucket === undefined || steady === false) return;
  if (shutdown === false) bucket.lift();
  else bucket.setRate({ qps: Math.max(steady.qps, shutdown.qps), burst: Math.max(steady.burst, shutdown.burst) });
}

/** A wait on an injected clock (ManualClock in tests) that the signal cancels. */
function clockSleep(clock: RecorderClock, ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason as Error);
      return;
    }
    const timer = clock.setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clock.clearTimeout(timer);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });
}
