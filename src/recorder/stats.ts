/** The Recorder's counters. Every accepted occurrence ends on the server or in `lost`. */
import type { DropReason, LostReason } from '../errors.ts';

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
  /** Series held in memory. */
  cacheSize: number;
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
    lost: { 'shutdown-deadline': 0, forbidden: 0, invalid: 0, abandoned: 0 },
    failed: {},
    cacheSize: 0,
    pendingWrites: 0,
  };
}

/** A copy of `stats` that callers may keep or change, with the current cache size. */
export function snapshotStats(stats: RecorderStats, cacheSize: number): RecorderStats {
  return { ...stats, dropped: { ...stats.dropped }, lost: { ...stats.lost }, failed: { ...stats.failed }, cacheSize };
}

/** Total occurrences lost, all reasons. */
export function totalLost(lost: Record<LostReason, number>): number {
  return lost['shutdown-deadline'] + lost.forbidden + lost.invalid + lost.abandoned;
}
