/**
 * Client-side token bucket, as client-go's default (QPS 5, burst 10; rest/config.go): a burst is
 * sent at once, then requests are spaced to the QPS. Waiters are served in arrival order.
 */
import { sleep } from '../util/sleep.ts';

/** Rate limit of a connection. */
export interface RateLimitOptions {
  /** Sustained requests per second. @default 5 */
  qps?: number;
  /** Requests that may go at once after a quiet period. @default 10 */
  burst?: number;
}

export const RATE_LIMIT_DEFAULTS: Required<RateLimitOptions> = { qps: 5, burst: 10 };

export interface BucketClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemBucketClock: BucketClock = { now: () => performance.now(), sleep };

function checkRate(options: Required<RateLimitOptions>): void {
  if (!(options.qps > 0) || !(options.burst >= 1)) {
    throw new RangeError(`rateLimit needs qps > 0 and burst ≥ 1, got qps ${options.qps}, burst ${options.burst}`);
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

  constructor(options: Required<RateLimitOptions>, clock: BucketClock = systemBucketClock) {
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
  setRate(options: Required<RateLimitOptions>): void {
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
