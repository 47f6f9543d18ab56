import { describe, expect, it } from 'vitest';
import { rateLimiter, type RateLimitOptions } from '../../../src/connection/rate-limit.ts';
import { ValidationError } from '../../../src/errors.ts';
import { TokenBucket } from '../../../src/util/token-bucket.ts';

describe('rateLimiter (connect({ rateLimit }))', () => {
  it('is off unless asked for', () => {
    expect(rateLimiter(undefined)).toBeUndefined();
    expect(rateLimiter(false)).toBeUndefined();
  });

  it("builds a bucket with client-go's defaults for {} (undefined fields are absent)", () => {
    expect(rateLimiter({})).toBeInstanceOf(TokenBucket);
    expect(rateLimiter({ qps: undefined, burst: undefined })).toBeInstanceOf(TokenBucket);
  });

  it.each([
    [{ qps: 0 }, 'options.rateLimit.qps'],
    [{ qps: Number.NaN }, 'options.rateLimit.qps'],
    [{ qps: 1e-9 }, 'options.rateLimit.qps'],
    [{ qps: '5' }, 'options.rateLimit.qps'],
    [{ burst: 0.5 }, 'options.rateLimit.burst'],
    [{ burst: Number.POSITIVE_INFINITY }, 'options.rateLimit.burst'],
    [{ burst: null }, 'options.rateLimit.burst'],
    [{ QPS: 5 }, 'options.rateLimit.QPS'],
    [null, 'options.rateLimit'],
  ])('rejects %o with a ValidationError naming %s', (options, field) => {
    let caught: unknown;
    try {
      rateLimiter(options as RateLimitOptions);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).field).toBe(field);
  });
});
