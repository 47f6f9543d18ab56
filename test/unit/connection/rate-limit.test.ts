import { describe, expect, it } from 'vitest';
import { rateLimiter } from '../../../src/connection/rate-limit.ts';
import { ValidationError } from '../../../src/errors.ts';
import { TokenBucket } from '../../../src/util/token-bucket.ts';

describe('rateLimiter (connect({ rateLimit }))', () => {
  it('is off unless asked for', () => {
    expect(rateLimiter(undefined)).toBeUndefined();
    expect(rateLimiter(false)).toBeUndefined();
  });

  it("builds a bucket with client-go's defaults for {}", () => {
    expect(rateLimiter({})).toBeInstanceOf(TokenBucket);
  });

  it.each([
    [{ qps: 0 }, 'rateLimit.qps'],
    [{ qps: Number.NaN }, 'rateLimit.qps'],
    [{ burst: 0.5 }, 'rateLimit.burst'],
    [{ burst: Number.POSITIVE_INFINITY }, 'rateLimit.burst'],
  ])('rejects %o with a ValidationError naming %s', (options, field) => {
    let caught: unknown;
    try {
      rateLimiter(options);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).field).toBe(field);
  });
});
