/**
 * The adaptive write limiter: how many Event writes may be in flight, learnt from how the
 * apiserver answers (control law in adaptive-limit.ts), with an optional rate ceiling and a pause
 * for Retry-After. Plumbing only: a FIFO of waiters, permits, one timer. Its only time source is
 * the injected clock, so tests drive it with ManualClock.
 *
 * Use: `const permit = await limiter.acquire(signal)`, write, then
 * `permit.release({ outcome, latencyMs, retryAfterMs })` exactly once (later calls are ignored);
 * `writeOutcome(error, latencyMs)` (write-outcome.ts) builds the argument. The writes must reach
 * the limiter's caller unretried (connect({ retry: false }) or a per-call equivalent): the
 * connection's own retries turn a 429 into a slow success and the limiter would see only latency.
 *
 * Against real APF throttling see bench/adaptive-limiter.ts (figures in its header): with queues
 * (how built-in priority levels answer) it beats per-request retries with no 429 at all; with
 * `Reject` every 429's `Retry-After: 1` pauses all writes, gentler but slower than client-go's
 * per-request waits.
 *
 * Why the whole limiter pauses, not only the refused write: APF's Retry-After speaks about the
 * client's priority level, not one request, and every write in flight or waiting would meet the
 * same full seats; pausing one write lets the others keep probing (53–63 429s instead of 11–17 for
 * 300 writes above). Note that the Recorder's writes go through connect()'s own retries, which
 * wait out a 429's Retry-After per request first: the limiter then sees a slow success (and
 * shrinks on latency), and pauses itself only for a 429 that outlived those retries.
 */
import { RecorderClosedError } from '../errors.ts';
import {
  initialLimitState,
  latencyFloor,
  nextLimitState,
  type LimitState,
  type WriteOutcome,
} from './adaptive-limit.ts';
import {
  resolveAdaptiveLimiterOptions,
  type AdaptiveLimiterOptions,
  type ResolvedAdaptiveLimiterOptions,
} from './adaptive-limiter-options.ts';
import { systemRecorderClock } from './clock.ts';
import { RateCeiling } from './rate-ceiling.ts';

/** The part of RecorderClock the limiter uses. */
export interface LimiterClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** How a write ended, reported through {@link Permit.release}. */
export interface WriteResult {
  outcome: WriteOutcome;
  /** Request latency in ms. @default the time since the permit was granted */
  latencyMs?: number | undefined;
  /** The server's Retry-After in ms: every write waits until then (capped by `maxPauseMs`). */
  retryAfterMs?: number | undefined;
}

/** The right to have one write in flight. */
export interface Permit {
  /** Clock time the permit was granted. */
  readonly grantedAt: number;
  release(result: WriteResult): void;
}

/** Counters since construction. */
export interface AdaptiveLimiterStats {
  granted: number;
  outcomes: Record<WriteOutcome, number>;
  /** Multiplicative decreases (one per congestion round trip). */
  decreases: number;
  /** Retry-After pauses started. */
  pauses: number;
}

interface Waiter {
  resolve: (permit: Permit) => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

export class AdaptiveLimiter {
  readonly #options: ResolvedAdaptiveLimiterOptions;
  readonly #clock: LimiterClock;
  #state: LimitState;
  #inFlight = 0;
  #waiters: Waiter[] = [];
  readonly #rate: RateCeiling;
  #pausedUntil = 0;
  #timer: { handle: unknown; at: number } | undefined;
  #idle: (() => void)[] = [];
  #closed: Error | undefined;
  readonly #stats: AdaptiveLimiterStats = {
    granted: 0,
    outcomes: { ok: 0, throttled: 0, overloaded: 0, failed: 0 },
    decreases: 0,
    pauses: 0,
  };

  /** @throws ValidationError naming the option (`writeBudget.<name>`, or `<optionPrefix>.<name>`) */
  constructor(options: AdaptiveLimiterOptions = {}, deps: { clock?: LimiterClock; optionPrefix?: string } = {}) {
    this.#options = resolveAdaptiveLimiterOptions(options, deps.optionPrefix);
    this.#clock = deps.clock ?? systemRecorderClock;
    this.#state = initialLimitState(this.#options.initialLimit, this.#clock.now());
    this.#rate = new RateCeiling(this.#options.maxWritesPerSecond, this.#options.burst, this.#clock.now());
  }

  /** Writes allowed in flight now (whole writes). */
  get limit(): number {
    return Math.floor(this.#state.limit);
  }
  get inFlight(): number {
    return this.#inFlight;
  }
  get waiting(): number {
    return this.#waiters.length;
  }
  /** Clock time until which no write starts (a Retry-After), or undefined. */
  get pausedUntil(): number | undefined {
    return this.#pausedUntil > this.#clock.now() ? this.#pausedUntil : undefined;
  }
  /** The recent minimum latency in ms (undefined before the first successful write). */
  get latencyFloorMs(): number | undefined {
    const floor = latencyFloor(this.#state);
    return floor === Infinity ? undefined : floor;
  }

  stats(): AdaptiveLimiterStats {
    return { ...this.#stats, outcomes: { ...this.#stats.outcomes } };
  }

  /**
   * Resolves with a permit when a write may start; waiters are served first come, first served.
   * Rejects with `signal.reason` when `signal` aborts first, and with the close reason after close().
   */
  acquire(signal?: AbortSignal): Promise<Permit> {
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    return new Promise<Permit>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: () => undefined };
      if (signal !== undefined) {
        waiter.onAbort = () => {
          const index = this.#waiters.indexOf(waiter);
          if (index === -1) return;
          this.#waiters.splice(index, 1);
          reject(signal.reason as Error);
          this.#checkIdle();
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#waiters.push(waiter);
      this.#pump();
    });
  }

  /** No write starts before `epochMs` (clock time); an earlier time than a pause already set is ignored. */
  pauseUntil(epochMs: number): void {
    const cap = this.#clock.now() + this.#options.maxPauseMs;
    const until = Math.min(epochMs, cap);
    if (until <= this.#pausedUntil) return;
    this.#pausedUntil = until;
    this.#stats.pauses += 1;
    this.#pump();
  }

  /** Resolves once nothing is in flight and nobody waits (at once if so now). */
  onIdle(): Promise<void> {
    if (this.#inFlight === 0 && this.#waiters.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /**
   * Rejects every waiter and every later acquire() with `reason` (a RecorderClosedError by
   * default); permits already granted may still be released. Shutdown never hangs on the limiter.
   */
  close(reason: Error = new RecorderClosedError('the write limiter is closed')): void {
    if (this.#closed !== undefined) return;
    this.#closed = reason;
    this.#cancelTimer();
    for (const waiter of this.#waiters.splice(0)) {
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.reject(reason);
    }
    this.#checkIdle();
  }

  #grant(waiter: Waiter): void {
    waiter.signal?.removeEventListener('abort', waiter.onAbort);
    this.#inFlight += 1;
    this.#stats.granted += 1;
    const epoch = this.#state.epoch;
    const grantedAt = this.#clock.now();
    let released = false;
    waiter.resolve({
      grantedAt,
      release: (result) => {
        if (released) return;
        released = true;
        this.#finish(result, epoch, grantedAt);
      },
    });
  }

  #finish(result: WriteResult, epoch: number, grantedAt: number): void {
    const now = this.#clock.now();
    this.#stats.outcomes[result.outcome] += 1;
    const before = this.#state.epoch;
    this.#state = nextLimitState(
      this.#state,
      {
        outcome: result.outcome,
        latencyMs: result.latencyMs ?? now - grantedAt,
        epoch,
        inFlight: this.#inFlight,
        waiting: this.#waiters.length,
        nowMs: now,
      },
      this.#options,
    );
    if (this.#state.epoch !== before) this.#stats.decreases += 1;
    this.#inFlight -= 1;
    if (result.retryAfterMs !== undefined && result.outcome !== 'ok' && result.retryAfterMs > 0)
      this.pauseUntil(now + result.retryAfterMs);
    this.#pump();
    this.#checkIdle();
  }

  /** Grants permits in order while the limit, the pause and the rate ceiling allow; else arms the timer. */
  #pump(): void {
    if (this.#closed !== undefined) return;
    while (this.#waiters.length > 0 && this.#inFlight < Math.floor(this.#state.limit)) {
      const now = this.#clock.now();
      if (this.#pausedUntil > now) return this.#armTimer(this.#pausedUntil - now);
      const waitMs = this.#rate.take(now);
      if (waitMs > 0) return this.#armTimer(waitMs);
      const waiter = this.#waiters.shift();
      if (waiter !== undefined) this.#grant(waiter);
    }
  }

  /** Runs #pump after `delayMs` (whole ms, at least 1), unless an earlier run is already armed. */
  #armTimer(delayMs: number): void {
    const delay = Math.max(1, Math.ceil(delayMs));
    const at = this.#clock.now() + delay;
    if (this.#timer !== undefined && this.#timer.at <= at) return;
    this.#cancelTimer();
    const handle = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#pump();
    }, delay);
    this.#timer = { handle, at };
  }

  #cancelTimer(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer.handle);
    this.#timer = undefined;
  }

  #checkIdle(): void {
    if (this.#inFlight !== 0 || this.#waiters.length !== 0) return;
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}
