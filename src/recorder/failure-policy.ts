/**
 * From a failed write to what happens next: the table's verdict (failure-table.ts), the bounded
 * spells of `retry-within` rows, and the retry's wait (schedule.ts). Pure apart from the spells'
 * memory of past answers.
 *
 * Two spells, because two things can fail for a while and then come back:
 * - RBAC, per verb and namespace: right after an apiserver restart RBAC answers 403 for a moment
 *   while its caches fill, so a 403 for a verb that has worked is retried for FORBIDDEN_SPELL_MS.
 *   Rights differ per namespace (RoleBindings), so the spell is kept per (verb, namespace) and only
 *   a success there ends it: successes elsewhere prove nothing about this namespace. A verb that
 *   never worked anywhere is refused at once (the identity lacks it).
 * - Credentials, process-wide (one identity per connection): an exec plugin whose identity
 *   provider is down, a token being rotated, a 401 right after a refresh. Retried for
 *   CREDENTIAL_SPELL_MS after the first such failure; any success ends the spell.
 */
import { ApiError, type LostReason } from '../errors.ts';
import { failureRow, type Spell } from './failure-table.ts';
import { retryDelay } from './schedule.ts';

/** How long 403s for a verb that has worked are taken for RBAC reloading (a restart's spell lasts seconds). */
export const FORBIDDEN_SPELL_MS = 30_000;
/** How long credential failures are retried (an identity provider's outage, a rotation). */
export const CREDENTIAL_SPELL_MS = 120_000;

export type FailureDecision = { action: 'retry'; delayMs: number } | { action: 'abandon'; reason: LostReason };

export interface FailureContext {
  /** Failures of this series in a row, this one included. */
  failures: number;
  /** flush() or close() is draining: retry on a short ladder. */
  draining: boolean;
  /** The namespace the series writes to. */
  namespace: string;
  nowMs: number;
  /** A number in [0, 1) for jitter. */
  random: number;
}

/** The Recorder's memory of the bounded spells (see the header). */
export class FailureSpells {
  /** Verbs (POST, PATCH) that have succeeded in some namespace. */
  readonly #allowedVerbs = new Set<string>();
  /** `<verb> <namespace>` → when its 403s began. */
  readonly #forbiddenSince = new Map<string, number>();
  #credentialsFailingSince: number | undefined;

  /** A write with `method` succeeded in `namespace`. */
  succeeded(method: string, namespace: string): void {
    this.#allowedVerbs.add(method);
    this.#forbiddenSince.delete(`${method} ${namespace}`);
    this.#credentialsFailingSince = undefined;
  }

  /** How long the spell has lasted, this failure included; Infinity when it cannot be a spell. */
  lasted(spell: Spell, error: unknown, namespace: string, nowMs: number): number {
    if (spell === 'credentials') {
      this.#credentialsFailingSince ??= nowMs;
      return nowMs - this.#credentialsFailingSince;
    }
    const method = error instanceof ApiError ? error.method : '';
    if (!this.#allowedVerbs.has(method)) return Infinity;
    const key = `${method} ${namespace}`;
    const since = this.#forbiddenSince.get(key) ?? nowMs;
    this.#forbiddenSince.set(key, since);
    return nowMs - since;
  }

  /** Spells kept, for tests: one per (verb, namespace) answering 403. */
  get forbiddenSpells(): number {
    return this.#forbiddenSince.size;
  }
}

const SPELL_MS: Record<Spell, number> = { forbidden: FORBIDDEN_SPELL_MS, credentials: CREDENTIAL_SPELL_MS };

/** Retry (after how long) or abandon (as what) a write that failed with `error`. */
export function decideFailure(error: unknown, context: FailureContext, spells: FailureSpells): FailureDecision {
  const { verdict } = failureRow(error);
  if (verdict.action === 'lose') return { action: 'abandon', reason: verdict.reason };
  const retryAfterSeconds = error instanceof ApiError ? error.retryAfterSeconds : undefined;
  const retryAfterMs = retryAfterSeconds === undefined ? undefined : retryAfterSeconds * 1000;
  const delayMs = retryDelay({
    failures: context.failures,
    draining: context.draining,
    retryAfterMs,
    random: context.random,
  });
  if (verdict.action === 'retry') return { action: 'retry', delayMs };
  const lasted = spells.lasted(verdict.spell, error, context.namespace, context.nowMs);
  const left = SPELL_MS[verdict.spell] - lasted;
  if (left <= 0) return { action: 'abandon', reason: verdict.lostAs };
  // The last retry falls at the spell's end, not a doubled backoff after it: a series that cannot
  // land is reported within the spell (plus one answer), not up to twice as late.
  return { action: 'retry', delayMs: Math.max(retryAfterMs ?? 0, Math.min(delayMs, left)) };
}
