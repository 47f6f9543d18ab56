/**
 * Drives every series through its phases (series.ts): the first two occurrences are written at
 * once and awaited, later ones are coalesced on the schedule; a finished write leads to the next
 * one, a retry or a loss (failure-table.ts, failure-policy.ts). Every accepted occurrence ends on the server or in
 * `stats.lost` with an EventsLostError: `lose()` is the only way out other than a write.
 */
import { EventsLostError, KubeEventsError, type LostReason } from '../errors.ts';
import type { RecorderClock } from './clock.ts';
import { decideFailure, FailureSpells } from './failure-policy.ts';
import { MUTANTS } from './mutants.ts';
import { Scheduler } from './scheduler.ts';
import type { Series, WaitOutcome } from './series.ts';
import { SeriesCache } from './series-cache.ts';
import { lostBetween, totalLost, type RecorderStats } from './stats.ts';
import { WriteQueue, type WriteResult } from './write-queue.ts';
import type { WritePermits } from './budget.ts';
import type { ResolvedRecorderOptions } from './options.ts';
import type { EventSink } from './sink.ts';
import { SeriesWriter, type WriteObserver } from './writer.ts';

export interface EngineDeps {
  options: ResolvedRecorderOptions;
  clock: RecorderClock;
  /** In [0, 1): retry jitter. */
  random: () => number;
  sink: EventSink;
  /** Told of every write request sent and applied (for stats). */
  observer: WriteObserver;
  permits: WritePermits | undefined;
  stats: RecorderStats;
  /** A write attempt failed: counted in stats().failed. */
  failed(error: KubeEventsError): void;
  /** For onError: a failed write, or an EventsLostError. */
  report(error: KubeEventsError): void;
}

/** What close() did with the occurrences the server was behind on when it was called. */
export interface CloseReport {
  /** Series that had occurrences to write. */
  series: number;
  /** Occurrences close() put on the server. */
  written: number;
  /** Occurrences lost (each series also reported to `onError` as EventsLostError). */
  lost: number;
  lostByReason: Record<LostReason, number>;
}

/** After close()'s deadline aborts them, how long writes get to settle (a sink honouring `signal` takes no time). */
export const ABORT_GRACE_MS = 1_000;

export class SeriesEngine {
  readonly cache: SeriesCache;
  readonly #deps: EngineDeps;
  readonly #queue: WriteQueue;
  readonly #scheduler: Scheduler;
  readonly #spells = new FailureSpells();
  readonly #shutdown = new AbortController();
  readonly #progress = new Set<() => void>();
  /** flush() or close() calls under way: writes go at once, retries on the short ladder. */
  #draining = 0;

  constructor(deps: EngineDeps) {
    this.#deps = deps;
    const { options, clock } = deps;
    const request = (series: Series): void => this.#queue.request(series);
    const writer = new SeriesWriter(deps.sink, {
      attempt: (kind) => deps.observer.attempt(kind),
      applied: (kind, target) => {
        deps.observer.applied(kind, target);
        this.#spells.succeeded(kind === 'create' ? 'POST' : 'PATCH', target.namespace);
      },
    });
    this.#queue = new WriteQueue({
      writer,
      permits: deps.permits,
      clock,
      signal: this.#shutdown.signal,
      done: (result) => this.#done(result),
    });
    this.#scheduler = new Scheduler({ clock, ...options, due: request });
    this.cache = new SeriesCache({ clock, ...options, retired: (series) => this.#retired(series) });
  }

  get pendingWrites(): number {
    return this.#queue.active;
  }

  idle(): Promise<void> {
    return this.#queue.idle();
  }

  /** A new series with its first occurrence: created at once; the promise answers the publish. */
  admit(series: Series): Promise<WaitOutcome> {
    this.cache.add(series);
    const outcome = series.await(1);
    this.#queue.request(series);
    return outcome;
  }

  /** One more occurrence of a live series; `wait` is set when the publish waits for the write carrying it. */
  occur(series: Series, nowMs: number): { count: number; wait: Promise<WaitOutcome> | undefined } {
    const count = series.occur(nowMs, this.#deps.options.minWriteIntervalMs);
    if (series.waiters !== undefined || (count <= 2 && series.phase !== 'backoff')) {
      const wait = series.await(count);
      this.#queue.request(series);
      return { count, wait };
    }
    if (series.phase === 'idle') this.#next(series, nowMs);
    return { count, wait: undefined };
  }

  /** Writes what the server is behind on now; false when `timeoutMs` passed first. */
  async drain(timeoutMs: number): Promise<{ done: boolean; behind: number }> {
    const targets = this.cache.owing().map((series) => [series, series.count] as const);
    const isBehind = ([series, count]: (typeof targets)[number]): boolean =>
      series.written < count && series.phase !== 'abandoned';
    const behind = (): number => targets.filter(isBehind).length;
    // Checked after every settled write: a target once caught up stays so (written only grows,
    // abandoned is final), so a cursor past the caught-up ones keeps a drain of n series O(n).
    let cursor = 0;
    const caughtUp = (): boolean => {
      while (cursor < targets.length && !isBehind(targets[cursor] as (typeof targets)[number])) cursor += 1;
      return cursor === targets.length;
    };
    if (caughtUp()) return { done: true, behind: 0 };
    this.#draining += 1;
    try {
      // Timers are cut short: coalesced writes and retries go now.
      for (const [series] of targets)
        if (series.phase === 'scheduled' || series.phase === 'backoff') this.#queue.request(series);
      const done = await this.#until(caughtUp, timeoutMs);
      return { done, behind: done ? 0 : behind() };
    } finally {
      this.#draining -= 1;
    }
  }

  /**
   * Drains within `timeoutMs`; at the deadline, writes waiting or on the wire are aborted and what
   * is still behind is lost. A write whose answer is already in hand when the abort lands still counts.
   */
  async close(timeoutMs: number): Promise<CloseReport> {
    const owing = this.cache.owing().map((series) => [series, series.written] as const);
    const lostBefore = { ...this.#deps.stats.lost };
    const { done } = await this.drain(timeoutMs);
    if (!done) {
      this.#shutdown.abort(new Error('close() deadline'));
      await this.#settled(ABORT_GRACE_MS);
      for (const series of this.cache.owing()) this.lose(series, 'shutdown-deadline', undefined);
    }
    this.cache.stop();
    this.#scheduler.stop();
    const lost = this.#deps.stats.lost;
    const lostByReason = lostBetween(lostBefore, lost);
    const written = owing.reduce((sum, [series, before]) => sum + series.written - before, 0);
    return { series: owing.length, written, lost: totalLost(lostByReason), lostByReason };
  }

  /** The series ends: its pending occurrences are lost and said so; publishes still waiting reject. */
  lose(series: Series, reason: LostReason, cause: unknown): void {
    const { lost, waiting } = series.abandon();
    this.cache.remove(series);
    this.cache.settled(series);
    this.#deps.stats.lost[reason] += lost;
    const regarding = series.template.regarding ?? {};
    const error = new EventsLostError(
      reason,
      lost,
      {
        kind: regarding.kind ?? '',
        namespace: regarding.namespace ?? '',
        name: regarding.name ?? '',
        reason: series.template.reason ?? '',
        eventName: series.name,
        eventNamespace: series.namespace,
      },
      cause !== undefined ? { cause } : undefined,
    );
    const rejection = cause instanceof Error ? cause : error;
    for (const waiter of waiting) waiter.reject(rejection);
    if (lost > 0) this.#deps.report(error);
    this.#notify();
  }

  #done({ series, count, error }: WriteResult): void {
    // close()'s deadline already counted this series as lost and answered its publishes.
    if (series.phase === 'abandoned') return;
    const now = this.#deps.clock.now();
    if (error === undefined) {
      const answered = series.succeed(count, now);
      for (const waiter of answered) waiter.resolve(waiter.n === 1 ? 'created' : 'patched');
      this.#next(series, now);
    } else {
      this.#failed(series, error, now);
    }
    this.#notify();
  }

  #failed(series: Series, error: unknown, nowMs: number): void {
    const waiting = series.fail();
    if (this.#shutdown.signal.aborted) {
      // Aborted by close()'s deadline: lost as such, not a failure of the server.
      for (const waiter of waiting) waiter.reject(error instanceof Error ? error : new KubeEventsError(String(error)));
      this.lose(series, 'shutdown-deadline', undefined);
      return;
    }
    const decision = decideFailure(
      error,
      {
        failures: series.failures,
        draining: this.#draining > 0,
        namespace: series.namespace,
        nowMs,
        random: this.#deps.random(),
      },
      this.#spells,
    );
    this.#deps.failed(asKubeEventsError(error));
    if (decision.action === 'abandon') {
      for (const waiter of waiting) waiter.reject(error instanceof Error ? error : new KubeEventsError(String(error)));
      this.lose(series, decision.reason, error);
      return;
    }
    // The occurrences stay counted in memory; awaiting publishes learn that their write comes later.
    for (const waiter of waiting) waiter.resolve('coalesced');
    this.#deps.report(asKubeEventsError(error));
    if (MUTANTS.neverRetry) return;
    this.#scheduler.retry(series, decision.delayMs);
  }

  /** After a write, or a new occurrence of an idle series: what comes next. */
  #next(series: Series, nowMs: number): void {
    if (series.pending === 0) {
      this.cache.settled(series);
      return;
    }
    if (this.#shutdown.signal.aborted) return this.lose(series, 'shutdown-deadline', undefined);
    if (series.waiters !== undefined || this.#draining > 0 || !this.cache.isLive(series)) this.#queue.request(series);
    else this.#scheduler.coalesce(series, nowMs);
  }

  /** A series left the LRU with occurrences pending: its final write goes now (a retry keeps its backoff). */
  #retired(series: Series): void {
    if (MUTANTS.evictedWaitsForTimer && series.phase === 'scheduled') return;
    if (series.phase === 'scheduled' || series.phase === 'idle') this.#queue.request(series);
  }

  #notify(): void {
    for (const check of [...this.#progress]) check();
  }

  /** Resolves when no write is queued or on the wire, or after `graceMs`. */
  #settled(graceMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.#deps.clock.setTimeout(resolve, graceMs, { keepAlive: true });
      void this.#queue.idle().then(() => {
        this.#deps.clock.clearTimeout(timer);
        resolve();
      });
    });
  }

  #until(reached: () => boolean, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (reached()) finish(true);
      };
      const finish = (done: boolean): void => {
        this.#deps.clock.clearTimeout(timer);
        this.#progress.delete(check);
        resolve(done);
      };
      const timer = this.#deps.clock.setTimeout(() => finish(false), timeoutMs, { keepAlive: true });
      this.#progress.add(check);
    });
  }
}

function asKubeEventsError(error: unknown): KubeEventsError {
  return error instanceof KubeEventsError ? error : new KubeEventsError(String(error), { cause: error });
}
