/**
 * What a failed (or successful) write tells the adaptive limiter, as one pure function, so the
 * Recorder's write queue can report `permit.release(writeOutcome(error, latencyMs))` without
 * knowing the rules: 429 is throttling, 5xx and timeouts are overload, everything else (400, 403,
 * 404, 409, 422, refused connections, aborts) says nothing about load.
 */
import { ApiError, TimeoutError } from '../errors.ts';
import type { WriteResult } from './adaptive-limiter.ts';

/** The limiter's view of a write that ended with `error` (undefined: it succeeded). */
export function writeOutcome(error: unknown, latencyMs?: number): WriteResult {
  const result = (outcome: WriteResult['outcome'], retryAfterMs?: number): WriteResult => ({
    outcome,
    ...(latencyMs !== undefined ? { latencyMs } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
  if (error === undefined) return result('ok');
  if (error instanceof TimeoutError) return result('overloaded');
  if (!(error instanceof ApiError)) return result('failed');
  const retryAfterMs = error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : undefined;
  if (error.status === 429) return result('throttled', retryAfterMs);
  if (error.status >= 500) return result('overloaded', retryAfterMs);
  return result('failed');
}
