/**
 * A token bucket (the shape of client-go's rest/config.go limiter): a burst is sent at once, then
 * requests are spaced to the QPS. Waiters are served in arrival order. Neutral on purpose: the
 * connection's rate limit and the Recorder's write budget both use it, and each validates its own
 * option (naming it) before building one.
 */
import { sleep } from './sleep.ts';

/** A sustained rate and the burst allowed after a quiet period. */
export interface TokenRate {
  /** Tokens per second, > 0. */
  qps: number;
  /** Tokens that may be taken at once, ≥ 1. */
  burst: number;
}

export interface BucketClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemBucketClock: BucketClock = { now: () => performance.now(), sleep };

/** A broken invariant, not user input: callers validate their option first and name it. */
function checkRate(rate: TokenRate): void {
  if (!(rate.qps > 0) || !(rate.burst >= 1)) {
    throw new RangeError(`a token bucket needs qps > 0 and burst ≥ 1, got qps ${rate.qps}, burst ${rate.burst}`);
  }
}

export class TokenBucket {
  #qps: number;
  #burst: number;
  readonly #clock: BucketClock;
  #tokens: number;
  #updated: number;
  /** Time (clock units, ms) at which the last reserved token becomes available. */
  #tail: Promise<void> = Promise.resolve();
  #lifted = false;

  constructor(options: TokenRate, clock: BucketClock = systemBucketClock) {
    checkRate(options);
    this.#qps = options.qps;
    this.#burst = options.burst;
    this.#clock = clock;
    this.#tokens = options.burst;
    this.#updated = clock.now();
  }

  #refill(): void {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#updated) / 1000) * this.#qps);
    this.#updated = now;
  }

  /** From now on every take() resolves at once (a waiter already sleeping finishes its wait). */
  lift(): void {
    this.#lifted = true;
  }

  /** Changes the rate from now on (tokens earned so far are kept, up to the new burst). */
  setRate(options: TokenRate): void {
    checkRate(options);
    this.#refill();
    this.#qps = options.qps;
    this.#burst = options.burst;
    this.#tokens = Math.min(this.#tokens, this.#burst);
  }

  /** Resolves when a request may be sent; rejects with the signal's reason when aborted while waiting. */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.#tail.then(async () => {
      if (this.#lifted) return;
      this.#refill();
      if (this.#tokens < 1) {
        await this.#clock.sleep(((1 - this.#tokens) / this.#qps) * 1000, signal);
        this.#refill();
      }
      this.#tokens -= 1;
    });
    // A waiter that gave up must not block the ones behind it.
    this.#tail = turn.catch(() => undefined);
    return turn;
  }
}
