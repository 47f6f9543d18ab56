/**
 * Options of the adaptive write limiter, their defaults as named constants, and the resolver that
 * validates them (errors name the option under its public prefix, `writeBudget.` by default).
 */
import { ValidationError } from '../errors.ts';
import type { LimitTuning } from './adaptive-limit.ts';
import { asValidationError, describeValue, MAX_TIMER_MS, NULL_MESSAGE, timerLimit } from './validate.ts';

/** Writes in flight at the start: enough for a healthy server's first round trip, few enough for a loaded one. */
export const DEFAULT_INITIAL_CONCURRENCY = 4;
/** Never fewer than one write in flight: the limiter slows down, it never stalls. */
export const DEFAULT_MIN_CONCURRENCY = 1;
/**
 * Upper bound of writes in flight. The apiserver's default total is 600 seats (400 + 200 in
 * flight) shared by every client, and one HTTP/2 connection carries 100 streams at once in undici.
 */
export const DEFAULT_MAX_CONCURRENCY = 64;
/** Halve on 429 / 5xx / timeout (TCP Reno's factor: the fastest decrease that still converges to fairness). */
export const DEFAULT_BACKOFF_FACTOR = 0.5;
/** A gentler cut when only latency says the server's queues are filling. */
export const DEFAULT_LATENCY_BACKOFF_FACTOR = 0.9;
/** "Slow" is more than twice the recent latency floor … */
export const DEFAULT_LATENCY_TOLERANCE = 2;
/** … and more than 50 ms above it: an etcd fsync or a GC pause is not congestion. */
export const DEFAULT_LATENCY_SLACK_MS = 50;
/** The latency floor is the minimum over the last 30–60 s, so it follows a server that got slower for good. */
export const DEFAULT_LATENCY_WINDOW_MS = 30_000;
/** A Retry-After longer than this is capped: the apiserver sends 1 s; a huge value must not stall us. */
export const DEFAULT_MAX_PAUSE_MS = 30_000;

/** How the adaptive write limiter behaves; every field is optional. */
export interface AdaptiveLimiterOptions {
  /** Writes in flight before any answer came back. @default 4 */
  initialConcurrency?: number;
  /** Floor of writes in flight (≥ 1). @default 1 */
  minConcurrency?: number;
  /** Ceiling of writes in flight. @default 64 */
  maxConcurrency?: number;
  /**
   * Ceiling on the rate of writes started (token bucket); absent for none. At least one write per
   * 2^31 − 1 ms (the longest timer). @default undefined
   */
  maxWritesPerSecond?: number | undefined;
  /**
   * Writes that may start at once under `maxWritesPerSecond`; only with it (alone, `{ burst }`
   * would be a token bucket missing its `qps`). @default max(1, ceil(maxWritesPerSecond))
   */
  burst?: number | undefined;
  /** Multiplier of the limit on 429, 5xx and timeouts, in (0, 1). @default 0.5 */
  backoffFactor?: number;
  /** Multiplier when latency rose well above its floor, in [backoffFactor, 1). @default 0.9 */
  latencyBackoffFactor?: number;
  /** A write slower than floor × this (and floor + latencySlackMs) is a congestion signal; > 1. @default 2 */
  latencyTolerance?: number;
  /** @default 50 (at most 2^31 − 1, as every duration here) */
  latencySlackMs?: number;
  /** @default 30000 */
  latencyWindowMs?: number;
  /** Longest pause a Retry-After can cause, in ms. @default 30000 */
  maxPauseMs?: number;
}

// Compile-checked: adding an option without listing it here fails the type check.
const KNOWN_OPTIONS: Record<keyof AdaptiveLimiterOptions, true> = {
  initialConcurrency: true,
  minConcurrency: true,
  maxConcurrency: true,
  maxWritesPerSecond: true,
  burst: true,
  backoffFactor: true,
  latencyBackoffFactor: true,
  latencyTolerance: true,
  latencySlackMs: true,
  latencyWindowMs: true,
  maxPauseMs: true,
};

export interface ResolvedAdaptiveLimiterOptions extends LimitTuning {
  initialLimit: number;
  /** Writes per second; Infinity for no ceiling. */
  maxWritesPerSecond: number;
  burst: number;
  maxPauseMs: number;
}

/**
 * Validates `options` (error fields read `<prefix>.<option>`) and fills in the defaults. Unknown
 * keys and `null` values are refused; durations (`…Ms`) are at most 2^31 − 1.
 * @example resolveAdaptiveLimiterOptions({ maxWritesPerSecond: 50 }, 'options.writeBudget')
 */
export function resolveAdaptiveLimiterOptions(
  options: AdaptiveLimiterOptions = {},
  prefix = 'writeBudget',
): ResolvedAdaptiveLimiterOptions {
  const field = (name: string): string => (prefix === '' ? name : `${prefix}.${name}`);
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new ValidationError(
      prefix === '' ? 'options' : prefix,
      `must be limiter options, got ${describeValue(options)}`,
    );
  try {
    return resolve(options, field);
  } catch (error) {
    throw asValidationError(prefix === '' ? 'options' : prefix, error);
  }
}

function resolve(options: AdaptiveLimiterOptions, field: (name: string) => string): ResolvedAdaptiveLimiterOptions {
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(KNOWN_OPTIONS, key))
      throw new ValidationError(
        field(key),
        `is not an option of the write limiter; known: ${Object.keys(KNOWN_OPTIONS).join(', ')}`,
      );
    if (options[key as keyof AdaptiveLimiterOptions] === null) throw new ValidationError(field(key), NULL_MESSAGE);
  }
  const integer = (name: keyof AdaptiveLimiterOptions, value: unknown, min: number): number => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
      throw new ValidationError(field(name), `must be an integer ≥ ${min}, got ${describeValue(value)}`);
    return value;
  };
  const number = (name: keyof AdaptiveLimiterOptions, value: unknown, min: number, max = Infinity): number => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
      throw new ValidationError(field(name), `must be a number in [${min}, ${max}], got ${describeValue(value)}`);
    return value;
  };
  const ms = (name: keyof AdaptiveLimiterOptions, value: unknown, min: number): number => {
    const checked = number(name, value, min);
    if (checked > MAX_TIMER_MS) throw new ValidationError(field(name), timerLimit(checked));
    return checked;
  };
  const minLimit = integer('minConcurrency', options.minConcurrency ?? DEFAULT_MIN_CONCURRENCY, 1);
  const maxLimit = integer('maxConcurrency', options.maxConcurrency ?? Math.max(DEFAULT_MAX_CONCURRENCY, minLimit), 1);
  if (maxLimit < minLimit)
    throw new ValidationError(field('maxConcurrency'), `must be ≥ minConcurrency (${minLimit}), got ${maxLimit}`);
  const initial = options.initialConcurrency ?? Math.min(maxLimit, Math.max(minLimit, DEFAULT_INITIAL_CONCURRENCY));
  const initialLimit = integer('initialConcurrency', initial, minLimit);
  if (initialLimit > maxLimit)
    throw new ValidationError(
      field('initialConcurrency'),
      `must be ≤ maxConcurrency (${maxLimit}), got ${initialLimit}`,
    );
  let maxWritesPerSecond = Infinity;
  const rate: unknown = options.maxWritesPerSecond;
  if (rate !== undefined) {
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0)
      throw new ValidationError(field('maxWritesPerSecond'), `must be a positive number, got ${describeValue(rate)}`);
    if (rate < 1000 / MAX_TIMER_MS)
      throw new ValidationError(
        field('maxWritesPerSecond'),
        `is ${rate}; at least ${1000 / MAX_TIMER_MS} (one write per ${MAX_TIMER_MS} ms, the longest timer)`,
      );
    maxWritesPerSecond = rate;
  }
  const defaultBurst = maxWritesPerSecond === Infinity ? 1 : Math.max(1, Math.ceil(maxWritesPerSecond));
  const burst = integer('burst', options.burst ?? defaultBurst, 1);
  if (options.burst !== undefined && rate === undefined)
    throw new ValidationError(field('burst'), 'applies only with maxWritesPerSecond (the ceiling it is the burst of)');
  const backoffFactor = number('backoffFactor', options.backoffFactor ?? DEFAULT_BACKOFF_FACTOR, 0.01, 0.99);
  const latencyBackoffFactor = number(
    'latencyBackoffFactor',
    options.latencyBackoffFactor ?? Math.max(backoffFactor, DEFAULT_LATENCY_BACKOFF_FACTOR),
    backoffFactor,
    0.99,
  );
  const latencyTolerance = number('latencyTolerance', options.latencyTolerance ?? DEFAULT_LATENCY_TOLERANCE, 1.01);
  return {
    minLimit,
    maxLimit,
    initialLimit,
    maxWritesPerSecond,
    burst,
    backoffFactor,
    latencyBackoffFactor,
    latencyTolerance,
    latencySlackMs: ms('latencySlackMs', options.latencySlackMs ?? DEFAULT_LATENCY_SLACK_MS, 0),
    latencyWindowMs: ms('latencyWindowMs', options.latencyWindowMs ?? DEFAULT_LATENCY_WINDOW_MS, 1),
    maxPauseMs: ms('maxPauseMs', options.maxPauseMs ?? DEFAULT_MAX_PAUSE_MS, 0),
  };
}
