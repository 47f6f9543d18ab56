/**
 * The adaptive limiter's optional ceiling on the rate of writes started: a token bucket on the
 * caller's clock (no timers of its own; the limiter arms one when `take` says to wait).
 */
export class RateCeiling {
  readonly #perSecond: number;
  readonly #burst: number;
  #tokens: number;
  #at: number;

  /** `perSecond` Infinity: no ceiling. Starts full. */
  constructor(perSecond: number, burst: number, nowMs: number) {
    this.#perSecond = perSecond;
    this.#burst = burst;
    this.#tokens = burst;
    this.#at = nowMs;
  }

  /** Takes a token and returns 0, or returns the ms until one is due (taking nothing). */
  take(nowMs: number): number {
    if (this.#perSecond === Infinity) return 0;
    this.#tokens = Math.min(this.#burst, this.#tokens + ((nowMs - this.#at) * this.#perSecond) / 1000);
    this.#at = nowMs;
    // The epsilon absorbs rounding: 0.999…9 tokens is one token, or the wait would be 0 ms forever.
    if (this.#tokens < 1 - 1e-9) return ((1 - this.#tokens) * 1000) / this.#perSecond;
    this.#tokens = Math.max(0, this.#tokens - 1);
    return 0;
  }
}
