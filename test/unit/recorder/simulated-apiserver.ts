/**
 * A simulated apiserver on a ManualClock, for the adaptive limiter's tests: writes take
 * `latencyMs`, more than `capacity` at once (or more than `ratePerSecond`) are refused with a fast
 * 429, like API Priority and Fairness with `Reject` (or EventRateLimit). With `queue: true` it
 * queues the excess instead (APF with queues), so only latency tells. Capacity can change at any
 * time; `drive()` runs a closed loop of writers through a limiter and steps the clock.
 */
import type { WriteOutcome } from '../../../src/recorder/adaptive-limit.ts';
import type { AdaptiveLimiter, WriteResult } from '../../../src/recorder/adaptive-limiter.ts';
import type { ManualClock } from '../../../src/recorder/clock.ts';

export interface ServerPhase {
  /** Writes served at once. */
  capacity: number;
  /** Writes admitted per second (token bucket with a burst of one second); absent for no rate limit. */
  ratePerSecond?: number;
  /** Sent with every 429. */
  retryAfterMs?: number;
  /** Queue the excess instead of answering 429. */
  queue?: boolean;
}

export interface Answer {
  at: number;
  outcome: WriteOutcome;
}

export class SimulatedApiserver {
  readonly answers: Answer[] = [];
  phase: ServerPhase;
  #serving = 0;
  #queue: (() => void)[] = [];
  #tokens = 0;
  #tokensAt: number;
  readonly #clock: ManualClock;
  readonly #latencyMs: number;

  constructor(clock: ManualClock, phase: ServerPhase, latencyMs = 20) {
    this.#clock = clock;
    this.phase = phase;
    this.#latencyMs = latencyMs;
    this.#tokensAt = clock.now();
    this.#tokens = phase.ratePerSecond ?? 0;
  }

  /** Writes being served now (not counting queued ones). */
  get serving(): number {
    return this.#serving;
  }

  write(): Promise<WriteResult> {
    const started = this.#clock.now();
    return new Promise((resolve) => {
      const answer = (outcome: WriteOutcome, retryAfterMs?: number): void => {
        this.answers.push({ at: this.#clock.now(), outcome });
        resolve({ outcome, latencyMs: this.#clock.now() - started, retryAfterMs });
      };
      const serve = (): void => {
        this.#serving += 1;
        this.#clock.setTimeout(() => {
          this.#serving -= 1;
          answer('ok');
          this.#queue.shift()?.();
        }, this.#latencyMs);
      };
      if (!this.#admitByRate()) {
        this.#clock.setTimeout(() => answer('throttled', this.phase.retryAfterMs), 1);
      } else if (this.#serving < this.phase.capacity) {
        serve();
      } else if (this.phase.queue === true) {
        this.#queue.push(serve);
      } else {
        this.#clock.setTimeout(() => answer('throttled', this.phase.retryAfterMs), 1);
      }
    });
  }

  /** Share of 429s among the answers in [fromMs, toMs). */
  throttledShare(fromMs: number, toMs: number): number {
    const inRange = this.answers.filter((a) => a.at >= fromMs && a.at < toMs);
    return inRange.filter((a) => a.outcome === 'throttled').length / Math.max(1, inRange.length);
  }

  /** Successful writes in [fromMs, toMs). */
  served(fromMs: number, toMs: number): number {
    return this.answers.filter((a) => a.at >= fromMs && a.at < toMs && a.outcome === 'ok').length;
  }

  #admitByRate(): boolean {
    const rate = this.phase.ratePerSecond;
    if (rate === undefined) return true;
    const now = this.#clock.now();
    this.#tokens = Math.min(rate, this.#tokens + ((now - this.#tokensAt) * rate) / 1000);
    this.#tokensAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** Lets every promise reaction that the last clock step caused run (one macrotask turn). */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface Trace {
  at: number;
  limit: number;
  inFlight: number;
  serving: number;
}

/**
 * `writers` writers each write, then write again, through `limiter` to `server`, while the clock
 * moves 1 ms at a time for `durationMs`; `onStep` may change the server's phase. Returns the limit
 * and in-flight writes sampled every 10 ms. The writers stop (limiter closed) at the end.
 */
export async function drive(options: {
  clock: ManualClock;
  limiter: AdaptiveLimiter;
  server: SimulatedApiserver;
  writers: number;
  durationMs: number;
  onStep?: (elapsedMs: number) => void;
}): Promise<Trace[]> {
  const { clock, limiter, server } = options;
  const trace: Trace[] = [];
  const writer = async (): Promise<void> => {
    for (;;) {
      const permit = await limiter.acquire();
      permit.release(await server.write());
    }
  };
  const running = Array.from({ length: options.writers }, () => writer().catch(() => undefined));
  const start = clock.now();
  for (let elapsed = 0; elapsed < options.durationMs; elapsed++) {
    options.onStep?.(elapsed);
    if (elapsed % 10 === 0)
      trace.push({ at: clock.now(), limit: limiter.limit, inFlight: limiter.inFlight, serving: server.serving });
    clock.advance(1);
    await turn();
  }
  limiter.close();
  // Writes still on the wire finish; every writer then ends on the closed limiter.
  while (limiter.inFlight > 0) {
    clock.advance(1);
    await turn();
  }
  await Promise.all(running);
  return trace.filter((t) => t.at >= start);
}

/** Mean of `pick` over the trace samples in [fromMs, toMs) (clock times). */
export function meanOver(trace: Trace[], fromMs: number, toMs: number, pick: (t: Trace) => number): number {
  const window = trace.filter((t) => t.at >= fromMs && t.at < toMs);
  return window.reduce((sum, t) => sum + pick(t), 0) / Math.max(1, window.length);
}
