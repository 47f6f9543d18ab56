/**
 * The connection's optional client-side rate limit: its option, client-go's defaults, and the
 * validation that names the option before a token bucket is built.
 */
import { ValidationError } from '../errors.ts';
import { TokenBucket } from '../util/token-bucket.ts';

/** Rate limit of a connection. */
export interface RateLimitOptions {
  /** Sustained requests per second, > 0. @default 5 */
  qps?: number;
  /** Requests that may go at once after a quiet period, ≥ 1. @default 10 */
  burst?: number;
}

/** client-go's defaults (rest/config.go: QPS 5, burst 10). */
export const RATE_LIMIT_DEFAULTS: Required<RateLimitOptions> = { qps: 5, burst: 10 };

/**
 * The token bucket for `connect({ rateLimit })`, or none when it is off.
 * @throws ValidationError naming `rateLimit.qps` or `rateLimit.burst` when out of range
 */
export function rateLimiter(options: RateLimitOptions | false | undefined): TokenBucket | undefined {
  if (options === undefined || options === false) return undefined;
  const rate = { ...RATE_LIMIT_DEFAULTS, ...options };
  if (!(Number.isFinite(rate.qps) && rate.qps > 0))
    throw new ValidationError('rateLimit.qps', `must be a number of requests per second > 0, got ${String(rate.qps)}`);
  if (!(Number.isFinite(rate.burst) && rate.burst >= 1))
    throw new ValidationError('rateLimit.burst', `must be a number of requests ≥ 1, got ${String(rate.burst)}`);
  return new TokenBucket(rate);
}
