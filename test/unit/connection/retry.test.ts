import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.ts';
import {
  decideRetry,
  RETRY_DEFAULTS,
  retryPolicy,
  type AttemptOutcome,
  type RetryOptions,
} from '../../../src/connection/retry.ts';

const policy = RETRY_DEFAULTS;
const decide = (outcome: AttemptOutcome, method: string, attempt = 0, random = 1) =>
  decideRetry(outcome, { method, attempt, policy, random });
const status = (code: number, retryAfterSeconds?: number): AttemptOutcome => ({
  kind: 'status',
  status: code,
  retryAfterSeconds,
});

describe('decideRetry', () => {
  it.each([
    ['POST', status(429, 2), true],
    ['PATCH', status(429, undefined), true],
    ['POST', status(503, 1), true],
    ['PATCH', status(500, 1), true],
    ['GET', status(500, undefined), false],
    ['GET', status(404, 1), false],
    ['POST', status(409, undefined), false],
    ['POST', status(422, undefined), false],
    ['GET', status(401, undefined), false],
    ['POST', { kind: 'network', sent: false }, true],
    ['PATCH', { kind: 'network', sent: true }, false],
    ['POST', { kind: 'network', sent: true }, false],
    ['GET', { kind: 'network', sent: true }, true],
    ['PUT', { kind: 'network', sent: true }, true],
    ['DELETE', { kind: 'network', sent: true }, true],
  ] as const)('%s after %j → retry %s', (method, outcome, expected) => {
    expect(decide(outcome, method).retry).toBe(expected);
  });

  it('waits Retry-After plus up to one base step of jitter, however many retries came before, capped by maxDelayMs', () => {
    expect(decide(status(429, 3), 'POST', 0, 0)).toEqual({ retry: true, delayMs: 3000 });
    expect(decide(status(429, 1), 'POST', 0, 1)).toEqual({ retry: true, delayMs: 1250 });
    // No exponential growth past what the server asked: the 8th retry of a 429 still waits about 1 s.
    expect(decide(status(429, 1), 'POST', 7, 0.5)).toEqual({ retry: true, delayMs: 1125 });
    expect(decide(status(503, 2), 'PATCH', 9, 0)).toEqual({ retry: true, delayMs: 2000 });
    expect(decide(status(429, 120), 'POST', 0, 0)).toEqual({ retry: true, delayMs: 30_000 });
  });

  it('a 429 without Retry-After backs off exponentially', () => {
    expect(decide(status(429, undefined), 'POST', 0, 1)).toEqual({ retry: true, delayMs: 250 });
    expect(decide(status(429, undefined), 'POST', 4, 1)).toEqual({ retry: true, delayMs: 4000 });
  });

  it('backs off exponentially with full jitter', () => {
    expect(decide({ kind: 'network', sent: false }, 'POST', 0, 1)).toEqual({ retry: true, delayMs: 250 });
    expect(decide({ kind: 'network', sent: false }, 'POST', 3, 1)).toEqual({ retry: true, delayMs: 2000 });
    expect(decide({ kind: 'network', sent: false }, 'POST', 3, 0.5)).toEqual({ retry: true, delayMs: 1000 });
    expect(decide({ kind: 'network', sent: false }, 'POST', 9, 1)).toEqual({ retry: true, delayMs: 30_000 });
  });

  it('stops at maxRetries', () => {
    expect(decide(status(429, 1), 'GET', 10).retry).toBe(false);
    expect(
      decideRetry(status(429, 1), { method: 'GET', attempt: 0, policy: retryPolicy(false), random: 0 }).retry,
    ).toBe(false);
  });
});

describe('retryPolicy', () => {
  it('fills defaults (undefined fields are absent) and rejects nonsense', () => {
    expect(retryPolicy({ maxRetries: 3 })).toEqual({ ...RETRY_DEFAULTS, maxRetries: 3 });
    expect(retryPolicy({ maxRetries: undefined, baseDelayMs: 10 })).toEqual({ ...RETRY_DEFAULTS, baseDelayMs: 10 });
    expect(retryPolicy({ maxRetries: 0 }).maxRetries).toBe(0);
    expect(() => retryPolicy({ baseDelayMs: -1 })).toThrow(
      /^options\.retry\.baseDelayMs: must be a number of milliseconds > 0, got -1$/,
    );
    expect(() => retryPolicy({ maxRetries: Number.NaN })).toThrow(ValidationError);
    expect(() => retryPolicy({ maxRetries: Number.NaN })).toThrow(/^options\.retry\.maxRetries: /);
    expect(() => retryPolicy({ maxRetries: 1.5 })).toThrow(/^options\.retry\.maxRetries: must be a whole number ≥ 0/);
    expect(() => retryPolicy({ maxDelay: 5 } as RetryOptions)).toThrow(/^options\.retry\.maxDelay: unknown option/);
    expect(() => retryPolicy(null as unknown as RetryOptions)).toThrow(
      /^options\.retry: must be an object or false, got null$/,
    );
  });
});
