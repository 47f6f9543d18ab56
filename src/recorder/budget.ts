/**
 * The Recorder's write budget, as permits the write queue takes before each write and gives back
 * with how it went: the adaptive limiter (the default), a fixed token bucket, or none. close()
 * switches a fixed bucket to `shutdownWriteBudget` (never slower), or lifts it when that is `false`;
 * the adaptive limiter goes on learning from the server.
 */
import { TokenBucket } from '../util/token-bucket.ts';
import { sleep } from '../util/sleep.ts';
import { AdaptiveLimiter } from './adaptive-limiter.ts';
import { systemRecorderClock, type RecorderClock } from './clock.ts';
import type { ResolvedRecorderOptions } from './options.ts';
import { writeOutcome } from './write-outcome.ts';

/** Gives back a permit: `error` undefined when the write succeeded. */
export type ReleasePermit = (result: { error?: unknown; latencyMs: number }) => void;

export interface WritePermits {
  /** Resolves when a write may go; rejects with the signal's reason when it aborts first. */
  acquire(signal: AbortSignal): Promise<ReleasePermit>;
  /** close() began. */
  closing(): void;
}

const released: ReleasePermit = () => undefined;

export function writePermits(options: ResolvedRecorderOptions, clock: RecorderClock): WritePermits | undefined {
  const budget = options.writeBudget;
  if (budget === false) return undefined;
  if ('adaptive' in budget) {
    const limiter = new AdaptiveLimiter(budget.adaptive, { clock, optionPrefix: 'options.writeBudget' });
    return {
      acquire: async (signal) => {
        const permit = await limiter.acquire(signal);
        return ({ error, latencyMs }) => permit.release(writeOutcome(error, latencyMs));
      },
      closing: () => undefined,
    };
  }
  const bucket = new TokenBucket(budget, {
    now: () => clock.now(),
    sleep: (ms, signal) => (clock === systemRecorderClock ? sleep(ms, signal) : clockSleep(clock, ms, signal)),
  });
  return {
    acquire: async (signal) => {
      await bucket.take(signal);
      return released;
    },
    closing: () => {
      const shutdown = options.shutdownWriteBudget;
      if (shutdown === false) bucket.lift();
      else bucket.setRate({ qps: Math.max(budget.qps, shutdown.qps), burst: Math.max(budget.burst, shutdown.burst) });
    },
  };
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
