/** The Recorder's counters. Every accepted occurrence ends on the server or in `lost`. */
import { LOST_REASONS, type DropReason, type LostReason } from '../errors.ts';

export interface RecorderStats {
  /** publish/emit calls accepted (valid, not dropped): each one ends on the server or in `lost`. */
  published: number;
  /** Events created (POST answered 2xx), re-creations after a 404 included. */
  created: number;
  /** Patches the server applied: series updates and ownership claims after a 409. */
  patched: number;
  /** Occurrences counted in memory and written later with others. */
  coalesced: number;
  /** Writes the server applied (created + patched). */
  writes: number;
  /** Write requests sent, successful or not. */
  writeAttempts: number;
  /** Occurrences refused on purpose before they were accepted, by reason. */
  dropped: Record<DropReason, number>;
  /** Accepted occurrences that will never reach the server, by reason (each also sent to `onError`). */
  lost: Record<LostReason, number>;
  /** Failed write attempts and rejected input, by Kubernetes reason (`Forbidden`, …) or error name (`NetworkError`). */
  failed: Record<string, number>;
  /** emit() calls whose input was refused (a ValidationError, also told to `onError`); publish() throws these instead. */
  rejected: number;
  /** Calls into code that is not the Recorder's (`logger.*`, `onError`) that threw; the Recorder went on as if they had not. */
  hookErrors: number;
  /** Series held in memory. */
  cacheSize: number;
  /** Series that left the cache (evicted, idle) with a write still due: each ends on the server or lost. */
  retiringSeries: number;
  /** Writes waiting for the write budget or in flight. */
  pendingWrites: number;
}

export function emptyStats(): RecorderStats {
  return {
    published: 0,
    created: 0,
    patched: 0,
    coalesced: 0,
    writes: 0,
    writeAttempts: 0,
    dropped: { overload: 0, 'spam-filter': 0, closed: 0 },
    lost: emptyLost(),
    failed: {},
    rejected: 0,
    hookErrors: 0,
    cacheSize: 0,
    retiringSeries: 0,
    pendingWrites: 0,
  };
}

/** A copy of `stats` that callers may keep or change, with the current cache size. */
export function snapshotStats(stats: RecorderStats, cacheSize: number): RecorderStats {
  return { ...stats, dropped: { ...stats.dropped }, lost: { ...stats.lost }, failed: { ...stats.failed }, cacheSize };
}

/** A zero for every LostReason. */
export function emptyLost(): Record<LostReason, number> {
  return Object.fromEntries(LOST_REASONS.map((reason) => [reason, 0])) as Record<LostReason, number>;
}

/** Total occurrences lost, all reasons. */
export function totalLost(lost: Record<LostReason, number>): number {
  let total = 0;
  for (const reason of LOST_REASONS) total += lost[reason];
  return total;
}

/** `after − before` per reason: what was lost between two snapshots. */
export function lostBetween(
  before: Record<LostReason, number>,
  after: Record<LostReason, number>,
): Record<LostReason, number> {
  const delta = emptyLost();
  for (const reason of LOST_REASONS) delta[reason] = after[reason] - before[reason];
  return delta;
}
