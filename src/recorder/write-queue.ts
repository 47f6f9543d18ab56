/**
 * Runs the writes of series: at most one per series at a time (a series is `queued` or `writing`
 * while it has one), each after the write budget lets it go. Reports every outcome to `done`, which
 * decides what comes next; the write budget's permit is given back with how the write went, so an
 * adaptive budget learns from it. `idle()` resolves when nothing is queued or on the wire.
 */
import type { MicroTime } from '../types.ts';
import { microTimeAt, type RecorderClock } from './clock.ts';
import type { ReleasePermit, WritePermits } from './budget.ts';
import type { Series } from './series.ts';
import type { SeriesWriter } from './writer.ts';

/** One finished write: `error` is set when it failed. */
export interface WriteResult {
  series: Series;
  /** The count the write carried. */
  count: number;
  error?: unknown;
}

export interface WriteQueueDeps {
  writer: SeriesWriter;
  /** The write budget; undefined for none. */
  permits: WritePermits | undefined;
  clock: RecorderClock;
  /** Aborted at close()'s deadline: writes waiting or on the wire stop. */
  signal: AbortSignal;
  done(result: WriteResult): void;
}

export class WriteQueue {
  readonly #deps: WriteQueueDeps;
  #active = 0;
  #idleWaiters: (() => void)[] = [];

  constructor(deps: WriteQueueDeps) {
    this.#deps = deps;
  }

  /** Writes queued or on the wire. */
  get active(): number {
    return this.#active;
  }

  /** Queues a write of `series` now (cancelling its timer) unless one is queued or on the wire. */
  request(series: Series): void {
    if (series.phase === 'queued' || series.phase === 'writing' || series.phase === 'abandoned') return;
    series.queue();
    this.#active += 1;
    void this.#run(series);
  }

  /** Resolves when no write is queued or on the wire (timers of later writes may be armed). */
  idle(): Promise<void> {
    if (this.#active === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  async #run(series: Series): Promise<void> {
    let release: ReleasePermit | undefined;
    try {
      // Without a budget the write starts at once (no await): a timer's write is on the wire when it returns.
      const permits = this.#deps.permits;
      if (permits !== undefined) release = await permits.acquire(this.#deps.signal);
    } catch {
      // Only close()'s deadline aborts the wait, and it has already accounted for the series.
      this.#finished();
      return;
    }
    // Abandoned meanwhile, or close()'s deadline passed while this write waited its turn.
    if (series.phase !== 'queued' || this.#deps.signal.aborted) {
      release?.({ latencyMs: 0 });
      this.#finished();
      return;
    }
    const count = series.start();
    // Formatted at write time only: a MicroTime per occurrence would dominate the hot path.
    const lastObserved: MicroTime = count === 1 ? series.template.eventTime : microTimeAt(series.lastOccurrenceMs);
    const { writer, signal, clock } = this.#deps;
    const sentAt = clock.now();
    let result: WriteResult;
    try {
      if (series.written === 0) await writer.create(series, count, lastObserved, signal);
      else await writer.patch(series, count, lastObserved, { signal, verify: series.failures > 0 });
      result = { series, count };
    } catch (error) {
      result = { series, count, error };
    }
    // Outside the try: a throw from what follows the write must not pass for the write's failure,
    // and the write is off the wire whatever `done` does.
    try {
      release?.({ ...(result.error !== undefined ? { error: result.error } : {}), latencyMs: clock.now() - sentAt });
      this.#deps.done(result);
    } finally {
      this.#finished();
    }
  }

  #finished(): void {
    this.#active -= 1;
    if (this.#active > 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
