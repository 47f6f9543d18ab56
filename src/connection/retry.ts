/**
 * When to send a request again, as one pure function. Rules (client-go rest/with_retry.go and the
 * API conventions): 429 and 5xx carrying Retry-After are retried for every verb, since the server
 * asked for it; a connection that failed before the request was written is retried for every
 * verb; one that failed after only for idempotent verbs, since a POST or PATCH may have been
 * applied. Without Retry-After, waits grow exponentially with full jitter. With it, the wait is
 * what the server asked plus up to one base step of jitter, as client-go waits (no growth): API
 * Priority and Fairness answers every 429 with `Retry-After: 1`, and growing past it let a write
 * refused a few times in a row sleep for seconds while it held one of the few write permits the
 * Recorder's limiter allows a throttled server. 5,000 distinct Events at once against one seat
 * (Reject): 12 writes ran into their 30 s timeout and all landed after 46 s before, 3 and 34 s
 * after (one run each, 2026-11-30).
 */

import { checkKnownOptions, integerAtLeast, milliseconds, requireObject, type OptionCheck } from './options.ts';

/**
 * Retry settings of a connection (`connect({ retry })`); unknown fields are refused.
 * @example
 * ```ts
 * const conn = await connect({ retry: { maxRetries: 3, maxDelayMs: 5_000 } });
 * ```
 */
export interface RetryOptions {
  /** Retries after the first attempt, a whole number ≥ 0. @default 10 (client-go's) */
  maxRetries?: number;
  /** First backoff step in ms (> 0, ≤ 2^31 − 1), doubled per retry. @default 250 */
  baseDelayMs?: number;
  /** Upper bound of one wait in ms (> 0, ≤ 2^31 − 1), Retry-After included. @default 30000 */
  maxDelayMs?: number;
}

export const RETRY_DEFAULTS: Required<RetryOptions> = { maxRetries: 10, baseDelayMs: 250, maxDelayMs: 30_000 };

/** What happened to one attempt. */
export type AttemptOutcome =
  | { kind: 'status'; status: number; retryAfterSeconds: number | undefined }
  /** `sent`: whether the request may have reached the server. */
  | { kind: 'network'; sent: boolean };

export type RetryDecision = { retry: true; delayMs: number } | { retry: false };

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/**
 * @param attempt retries already made (0 after the first attempt)
 * @param random a number in [0, 1) for jitter
 */
export function decideRetry(
  outcome: AttemptOutcome,
  context: { method: string; attempt: number; policy: Required<RetryOptions>; random: number },
): RetryDecision {
  const { method, attempt, policy, random } = context;
  if (attempt >= policy.maxRetries) return { retry: false };
  const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt) * random;
  if (outcome.kind === 'network') {
    const safe = !outcome.sent || IDEMPOTENT.has(method.toUpperCase());
    return safe ? { retry: true, delayMs: Math.round(backoff) } : { retry: false };
  }
  const { status, retryAfterSeconds } = outcome;
  // A 429 from priority-and-fairness always carries Retry-After; one without it still means "later".
  const retryable = status === 429 || (status >= 500 && retryAfterSeconds !== undefined);
  if (!retryable) return { retry: false };
  const delayMs = retryAfterSeconds === undefined ? backoff : retryAfterSeconds * 1000 + random * policy.baseDelayMs;
  return { retry: true, delayMs: Math.round(Math.min(policy.maxDelayMs, delayMs)) };
}

const RETRY_CHECKS = {
  maxRetries: integerAtLeast(0),
  baseDelayMs: milliseconds,
  maxDelayMs: milliseconds,
} satisfies Record<keyof RetryOptions, OptionCheck>;

/**
 * Validates `connect({ retry })` (or `false` for none) into a full policy; fields left out (or
 * `undefined`) keep their defaults.
 * @throws ValidationError naming the field, e.g. `options.retry.baseDelayMs`, for an unknown
 *   field, a `maxRetries` that is not a whole number ≥ 0, or a delay that is not a number of ms
 *   > 0 and ≤ 2^31 − 1
 * @example
 * ```ts
 * retryPolicy({ maxRetries: 3 }); // { maxRetries: 3, baseDelayMs: 250, maxDelayMs: 30000 }
 * retryPolicy(false);             // { maxRetries: 0, … }
 * ```
 */
export function retryPolicy(options: RetryOptions | false | undefined): Required<RetryOptions> {
  if (options === false) return { ...RETRY_DEFAULTS, maxRetries: 0 };
  if (options === undefined) return { ...RETRY_DEFAULTS };
  const given = requireObject(options, 'options.retry', 'an object or false');
  checkKnownOptions(given, 'options.retry', RETRY_CHECKS);
  const policy = { ...RETRY_DEFAULTS };
  for (const key of Object.keys(RETRY_CHECKS) as (keyof RetryOptions)[]) {
    const value = options[key];
    if (value !== undefined) policy[key] = value;
  }
  return policy;
}
