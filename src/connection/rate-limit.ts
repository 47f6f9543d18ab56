/**
 * The connection's optional client-side rate limit: its option, client-go's defaults, and the
 * validation that names the option before a token bucket is built.
 */
import { ValidationError } from '../errors.ts';
import { TokenBucket } from '../util/token-bucket.ts';
import {
  checkKnownOptions,
  describeValue,
  integerAtLeast,
  MAX_TIMER_MS,
  requireObject,
  type OptionCheck,
} from './options.ts';

/**
 * Rate limit of a connection (`connect({ rateLimit })`); unknown fields are refused.
 * @example
 * ```ts
 * const conn = await connect({ rateLimit: { qps: 20, burst: 40 } });
 * ```
 */
export interface RateLimitOptions {
  /** Sustained requests per second, > 0. @default 5 */
  qps?: number;
  /** Requests that may go at once after a quiet period, a whole number ≥ 1. @default 10 */
  burst?: number;
}

/** client-go's defaults (rest/config.go: QPS 5, burst 10). */
export const RATE_LIMIT_DEFAULTS: Required<RateLimitOptions> = { qps: 5, burst: 10 };

/** qps below this would make one wait longer than Node's longest timer (one request per 24.8 days). */
const MIN_QPS = 1000 / MAX_TIMER_MS;

const RATE_LIMIT_CHECKS = {
  qps: (value, field) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new ValidationError(field, `must be a number of requests per second > 0, got ${describeValue(value)}`);
    }
    if (value < MIN_QPS) {
      throw new ValidationError(
        field,
        `must be at least ${MIN_QPS} (one request per 2^31 − 1 ms, Node's longest timer)`,
      );
    }
  },
  burst: integerAtLeast(1),
} satisfies Record<keyof RateLimitOptions, OptionCheck>;

/**
 * The token bucket for `connect({ rateLimit })`, or none when it is off (`false` or absent); fields
 * left out (or `undefined`) keep client-go's defaults.
 * @throws ValidationError naming `options.rateLimit.qps`, `options.rateLimit.burst` (or an
 *   unknown field) when out of range
 * @example
 * ```ts
 * const bucket = rateLimiter({ qps: 20 }); // burst 10
 * await bucket?.take();
 * ```
 */
export function rateLimiter(options: RateLimitOptions | false | undefined): TokenBucket | undefined {
  if (options === undefined || options === false) return undefined;
  const given = requireObject(options, 'options.rateLimit', 'an object or false');
  checkKnownOptions(given, 'options.rateLimit', RATE_LIMIT_CHECKS);
  return new TokenBucket({
    qps: options.qps ?? RATE_LIMIT_DEFAULTS.qps,
    burst: options.burst ?? RATE_LIMIT_DEFAULTS.burst,
  });
}
