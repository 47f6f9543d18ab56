/**
 * The series in memory: an LRU of at most `maxSeries` live series, and the retiring ones, which
 * left it (evicted, idle for `idleTimeoutMs`, abandoned) while the server was still behind. A
 * retiring series keeps its count until its final write lands or it is reported lost, so flush()
 * and close() find it; `maxSeries` bounds the retiring set too (new series are refused beyond it).
 */
import { LRUCache } from 'lru-cache';
import type { RecorderClock } from './clock.ts';
import type { Series } from './series.ts';

/** How often the publish path looks for idle series (each look is O(1) amortized). */
const IDLE_CHECK_INTERVAL_MS = 1_000;

export interface SeriesCacheDeps {
  clock: RecorderClock;
  maxSeries: number;
  idleTimeoutMs: number;
  /** A series with pending occurrences left the LRU: its final write is due. */
  retired(series: Series): void;
}

export class SeriesCache {
  readonly #deps: SeriesCacheDeps;
  readonly #live: LRUCache<string, Series>;
  readonly #retiring = new Set<Series>();
  #nextIdleCheckMs = 0;
  #sweepTimer: unknown;

  constructor(deps: SeriesCacheDeps) {
    this.#deps = deps;
    this.#live = new LRUCache<string, Series>({
      max: deps.maxSeries,
      dispose: (series, _key, reason) => {
        if (reason !== 'evict' && reason !== 'delete') return;
        if (series.pending === 0 || series.phase === 'abandoned') return;
        this.#retiring.add(series);
        deps.retired(series);
      },
    });
  }

  get size(): number {
    return this.#live.size;
  }

  /** Series that left the LRU and still wait for their final write. */
  get retiring(): number {
    return this.#retiring.size;
  }

  /** True when no new series may be taken in: too many retiring series still wait for their final write. */
  get full(): boolean {
    return this.#retiring.size >= this.#deps.maxSeries;
  }

  get(key: string): Series | undefined {
    return this.#live.get(key);
  }

  /** Adds a new series (the least recently used one may be evicted, i.e. retired). */
  add(series: Series): void {
    this.#live.set(series.key, series);
    this.#armSweep();
  }

  /** Takes the series out of the LRU if it is there. */
  remove(series: Series): void {
    if (this.#live.peek(series.key) === series) this.#live.delete(series.key);
  }

  /** True while the series is in the LRU (publishes still reach it). */
  isLive(series: Series): boolean {
    return this.#live.peek(series.key) === series;
  }

  /** The series is written or lost: a retiring one is forgotten. */
  settled(series: Series): void {
    this.#retiring.delete(series);
  }

  /** Every series the server is behind on, live or retiring. */
  owing(): Series[] {
    const owing = [...this.#retiring];
    for (const series of this.#live.values())
      if (series.pending > 0 && series.phase !== 'abandoned') owing.push(series);
    return owing;
  }

  /** Idle series at the least recently used end leave: O(1) amortized per publish. */
  expireIdle(nowMs: number): void {
    if (nowMs < this.#nextIdleCheckMs) return;
    this.#nextIdleCheckMs = nowMs + IDLE_CHECK_INTERVAL_MS;
    for (const key of this.#live.rkeys()) {
      const series = this.#live.peek(key);
      if (series === undefined || nowMs - series.lastOccurrenceMs < this.#deps.idleTimeoutMs) break;
      this.#live.delete(key);
    }
  }

  /** Stops the sweep timer (close()). */
  stop(): void {
    if (this.#sweepTimer !== undefined) this.#deps.clock.clearTimeout(this.#sweepTimer);
    this.#sweepTimer = undefined;
  }

  /** Expiry also runs without publishes, so final writes of idle series happen on time. */
  #armSweep(): void {
    if (this.#sweepTimer !== undefined) return;
    this.#sweepTimer = this.#deps.clock.setTimeout(
      () => {
        this.#sweepTimer = undefined;
        this.#nextIdleCheckMs = 0;
        this.expireIdle(this.#deps.clock.now());
        if (this.#live.size > 0) this.#armSweep();
      },
      Math.max(IDLE_CHECK_INTERVAL_MS, this.#deps.idleTimeoutMs / 6),
    );
  }
}
