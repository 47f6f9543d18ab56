/** The Recorder's counters. */
import type { DropReason } from '../errors.ts';

export interface RecorderStats {
  /** publish/emit calls accepted (valid, not dropped). */
  published: number;
  /** Events created (POST), re-creations after a 404 included. */
  created: number;
  /** Series patches sent (PATCH). */
  patched: number;
  /** Occurrences counted in memory and written later with others. */
  coalesced: number;
  /** API writes in all (created + patched + ownership checks). */
  writes: number;
  /** Occurrences refused on purpose, by reason. */
  dropped: Record<DropReason, number>;
  /** Failures by Kubernetes reason (`Forbidden`, `Invalid`, …) or error name (`ValidationError`, `NetworkError`). */
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
    dropped: { overload: 0, 'spam-filter': 0, closed: 0 },
    failed: {},
    cacheSize: 0,
    pendingWrites: 0,
  };
}

/** A copy of `stats` that callers may keep or change, with the current cache size. */
export function snapshotStats(stats: RecorderStats, cacheSize: number): RecorderStats {
  return { ...stats, dropped: { ...stats.dropped }, failed: { ...stats.failed }, cacheSize };
}
