/**
 * What a failed write leads to, per error class, as pure functions. Waiting fixes 429, 5xx, network
 * failures and timeouts, and a 404 or 409 left over from a race (the next attempt creates or claims
 * the Event). A 403 is RBAC saying no, except right after an apiserver restart, when RBAC answers
 * 403 for a moment: once a request with the same verb (POST, PATCH) has succeeded, 403s are
 * retried for FORBIDDEN_SPELL_MS. 422 (and 400) mean the server rejects the Event: retrying cannot
 * help. Any other failure (TLS, 401, another 4xx) ends the series too.
 */
import { ApiError, NetworkError, TlsError, type LostReason } from '../errors.ts';
import { retryDelay } from './schedule.ts';

/** How long 403s are taken for an RBAC reload after a success (an apiserver restart's spell lasts seconds). */
export const FORBIDDEN_SPELL_MS = 30_000;

export type FailureClass = 'transient' | 'forbidden' | 'invalid' | 'permanent';

export function classifyFailure(error: unknown): FailureClass {
  if (error instanceof ApiError) {
    if (error.status === 429 || error.status >= 500 || error.status === 404 || error.status === 409) {
      return 'transient';
    }
    if (error.status === 403) return 'forbidden';
    if (error.status === 422 || error.status === 400) return 'invalid';
    return 'permanent';
  }
  if (error instanceof TlsError) return 'permanent';
  return error instanceof NetworkError ? 'transient' : 'permanent';
}

export type FailureDecision = { action: 'retry'; delayMs: number } | { action: 'abandon'; reason: LostReason };

export interface FailureContext {
  /** Failures of this series in a row, this one included. */
  failures: number;
  /** flush() or close() is draining: retry on a short ladder. */
  draining: boolean;
  /** Since when 403s have been answered without a success in between; undefined when this Recorder never wrote. */
  forbiddenSpellMs: number | undefined;
  /** A number in [0, 1) for jitter. */
  random: number;
}

export function decideFailure(error: unknown, context: FailureContext): FailureDecision {
  const kind = classifyFailure(error);
  if (kind === 'invalid') return { action: 'abandon', reason: 'invalid' };
  if (kind === 'permanent') return { action: 'abandon', reason: 'abandoned' };
  if (kind === 'forbidden' && (context.forbiddenSpellMs ?? Infinity) >= FORBIDDEN_SPELL_MS) {
    return { action: 'abandon', reason: 'forbidden' };
  }
  const retryAfterSeconds = error instanceof ApiError ? error.retryAfterSeconds : undefined;
  return {
    action: 'retry',
    delayMs: retryDelay({
      failures: context.failures,
      draining: context.draining,
      retryAfterMs: retryAfterSeconds === undefined ? undefined : retryAfterSeconds * 1000,
      random: context.random,
    }),
  };
}

/**
 * The Recorder's view of its write permissions, per verb: unknown until a request with that verb
 * succeeds (an identity may create and not patch); after that a 403 starts a spell that ends at
 * the next success.
 */
export class PermissionWatch {
  readonly #allowed = new Set<string>();
  #spellStartMs: number | undefined;

  /** A request with `method` (POST, PATCH) succeeded. */
  allowed(method: string): void {
    this.#allowed.add(method);
    this.#spellStartMs = undefined;
  }

  /** Records a 403 at `nowMs`; returns how long the spell has lasted (undefined: `method` never allowed). */
  forbidden(method: string, nowMs: number): number | undefined {
    if (!this.#allowed.has(method)) return undefined;
    this.#spellStartMs ??= nowMs;
    return nowMs - this.#spellStartMs;
  }
}
