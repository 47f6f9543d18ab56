/**
 * Fires many writes at once and tallies how the server answered: what throttling tests (and, once
 * the adaptive limiter is wired in, Recorder tests) assert on.
 */
import { isApiError } from '../src/errors.ts';

export interface BurstTally {
  /** 2xx answers. */
  ok: number;
  /** 429 answers. */
  throttled: number;
  /** Other statuses, or -1 for an error without one (e.g. a network failure). */
  other: number[];
  /** Retry-After (seconds) of each 429, undefined where the server sent none. */
  retryAfterSeconds: (number | undefined)[];
  /** throttled / count. */
  throttledShare: number;
  elapsedMs: number;
}

function isResponse(value: unknown): value is Response {
  return typeof value === 'object' && value !== null && 'status' in value && 'headers' in value && 'body' in value;
}

/** The status a call ended with: 2xx when it resolved, else the ApiError's (or -1). */
export async function statusOf(call: Promise<unknown>): Promise<{ status: number; retryAfterSeconds?: number }> {
  try {
    const value = await call;
    // Duck-typed: the npm undici's Response is not Node's global one.
    if (isResponse(value)) {
      const retryAfter = value.headers.get('Retry-After');
      await value.body?.cancel();
      return retryAfter !== null && /^\d+$/.test(retryAfter)
        ? { status: value.status, retryAfterSeconds: Number(retryAfter) }
        : { status: value.status };
    }
    return { status: 200 };
  } catch (error) {
    if (!isApiError(error)) return { status: -1 };
    return error.retryAfterSeconds !== undefined
      ? { status: error.status, retryAfterSeconds: error.retryAfterSeconds }
      : { status: error.status };
  }
}

/** Starts `count` calls of `write` at once (write(i) is the i-th); resolves when all answered. */
export async function burst(count: number, write: (index: number) => Promise<unknown>): Promise<BurstTally> {
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: count }, (_, index) => statusOf(write(index))));
  const tally: BurstTally = {
    ok: 0,
    throttled: 0,
    other: [],
    retryAfterSeconds: [],
    throttledShare: 0,
    elapsedMs: Math.round(performance.now() - started),
  };
  for (const { status, retryAfterSeconds } of results) {
    if (status >= 200 && status < 300) tally.ok += 1;
    else if (status === 429) {
      tally.throttled += 1;
      tally.retryAfterSeconds.push(retryAfterSeconds);
    } else tally.other.push(status);
  }
  tally.throttledShare = tally.throttled / Math.max(1, count);
  return tally;
}
