/**
 * The control law of the adaptive write limiter, as pure functions: how many writes may be in
 * flight after one more write finished.
 *
 * Choice: AIMD (TCP Reno's congestion avoidance, with slow start) driven by the server's explicit
 * signals, plus a latency guard in the spirit of TCP Vegas. Why not a pure latency-gradient
 * limiter (Netflix Gradient2, Vegas alone):
 * - The apiserver says "too much" explicitly and cheaply: API Priority and Fairness rejects with
 *   429 (`Retry-After: 1`) as soon as its queues are full, a proxy or EventRateLimit (core/v1
 *   only) answer 429, and an overloaded server answers 5xx or times out. Loss-based AIMD acts on
 *   exactly these signals and cannot misread them; a gradient limiter needs many clean latency
 *   samples, and Event writes are few and their latency is dominated by etcd fsync jitter.
 * - AIMD is what converges to a fair share when several controllers (or replicas) write to the same
 *   priority level (Chiu & Jain); each backs off by half and creeps up by one per round trip.
 * - Latency still counts, as an early, gentle signal: APF queues requests before it rejects them, so
 *   a latency well above the recent floor means our writes are waiting in the server's queue. That
 *   shrinks the limit by a small factor, usually before any 429.
 * Slow start (the limit grows by one per successful write, i.e. doubles per round trip, until the
 * first congestion signal) makes a healthy server reach its capacity in a few round trips instead
 * of a fixed budget's minutes.
 * Near the limit of the last congestion signal the increase slows down (TCP CUBIC's plateau): APF
 * answers every 429 with `Retry-After: 1`, which pauses all writes for a second, so each probe past
 * the known capacity is expensive. Measured against a real apiserver with a 3-seat priority level
 * (Reject), 300 writes from 50 writers: 42 × 429 and 33 s without the plateau, 11 × 429 and 11 s
 * with it.
 */

/** In the band of ±1 around the last congestion limit, growth is this many times slower. */
export const PLATEAU_SLOWDOWN = 8;

/** How one write ended, as the limiter needs to know it. */
export type WriteOutcome =
  /** Written (2xx): a latency sample, and room to grow. */
  | 'ok'
  /** 429 Too Many Requests (APF, EventRateLimit, a proxy), with or without Retry-After. */
  | 'throttled'
  /** 5xx, or no answer within the timeout: the server (or etcd) is struggling. */
  | 'overloaded'
  /** Failed for a reason unrelated to load (400, 403, 404, 409, 422, connection refused, aborted): the limit stays. */
  | 'failed';

/** The tuning of the control law (resolved options, see adaptive-limiter-options.ts). */
export interface LimitTuning {
  minLimit: number;
  maxLimit: number;
  /** Multiplier on throttled / overloaded (0 < b < 1). */
  backoffFactor: number;
  /** Multiplier when latency rose well above its floor (backoffFactor ≤ b < 1). */
  latencyBackoffFactor: number;
  /** A write is "slow" above floor × this … */
  latencyTolerance: number;
  /** … and above floor + this many ms (so jitter on a 2 ms floor is not congestion). */
  latencySlackMs: number;
  /** The floor is the minimum latency seen over the last one to two windows of this length. */
  latencyWindowMs: number;
}

export interface LimitState {
  /** Writes allowed in flight; fractional between whole steps (in flight uses its floor). */
  limit: number;
  /** Slow start ends at this limit; Infinity until the first congestion signal. */
  slowStartThreshold: number;
  /** Bumped at every decrease; writes started before it cannot decrease the limit again. */
  epoch: number;
  /** The limit when the last decrease happened (Infinity before any). */
  congestionLimit: number;
  /** Minimum latency of the current window and of the previous one (ms, Infinity when none). */
  floorCurrent: number;
  floorPrevious: number;
  windowStartMs: number;
}

export function initialLimitState(limit: number, nowMs: number): LimitState {
  return {
    limit,
    slowStartThreshold: Infinity,
    epoch: 0,
    congestionLimit: Infinity,
    floorCurrent: Infinity,
    floorPrevious: Infinity,
    windowStartMs: nowMs,
  };
}

/** The recent latency floor in ms (Infinity before the first ok sample). */
export function latencyFloor(state: LimitState): number {
  return Math.min(state.floorCurrent, state.floorPrevious);
}

export interface Sample {
  outcome: WriteOutcome;
  latencyMs: number;
  /** The epoch when the write started. */
  epoch: number;
  /** Writes in flight (this one included) and waiting when it finished: growth needs demand. */
  inFlight: number;
  waiting: number;
  nowMs: number;
}

/** The state after one write finished. */
export function nextLimitState(state: LimitState, sample: Sample, tuning: LimitTuning): LimitState {
  if (sample.outcome === 'failed') return state;
  let next = rotateWindow(state, sample.nowMs, tuning.latencyWindowMs);
  // One decrease per round trip: a burst of 429s answering the same window is one signal, not ten.
  const fresh = sample.epoch === next.epoch;
  if (sample.outcome === 'throttled' || sample.outcome === 'overloaded') {
    if (!fresh) return next;
    return decrease(next, tuning.backoffFactor, tuning);
  }
  const floor = latencyFloor(next);
  next = {
    ...next,
    floorCurrent: Math.min(next.floorCurrent, sample.latencyMs),
  };
  const slow =
    floor !== Infinity &&
    sample.latencyMs > floor * tuning.latencyTolerance &&
    sample.latencyMs > floor + tuning.latencySlackMs;
  if (slow) return fresh ? decrease(next, tuning.latencyBackoffFactor, tuning) : next;
  // Grow only when the limit is what holds writes back: an idle trickle must not inflate it.
  if (sample.inFlight + sample.waiting < next.limit / 2) return next;
  const nearCeiling = Math.abs(next.limit - next.congestionLimit) <= 1;
  const step = next.limit < next.slowStartThreshold ? 1 : 1 / (next.limit * (nearCeiling ? PLATEAU_SLOWDOWN : 1));
  return { ...next, limit: Math.min(tuning.maxLimit, next.limit + step) };
}

function decrease(state: LimitState, factor: number, tuning: LimitTuning): LimitState {
  const limit = Math.max(tuning.minLimit, state.limit * factor);
  return { ...state, limit, slowStartThreshold: limit, epoch: state.epoch + 1, congestionLimit: state.limit };
}

function rotateWindow(state: LimitState, nowMs: number, windowMs: number): LimitState {
  if (nowMs - state.windowStartMs < windowMs) return state;
  // A floor that outlived its window is forgotten, so a server that got slower for good (bigger
  // etcd, another zone) becomes the new normal instead of a permanent "congested".
  const skipped = nowMs - state.windowStartMs >= 2 * windowMs;
  return {
    ...state,
    floorPrevious: skipped ? Infinity : state.floorCurrent,
    floorCurrent: Infinity,
    windowStartMs: nowMs,
  };
}
