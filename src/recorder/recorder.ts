/**
 * The Recorder: publishes Events with honest, storm-proof series. First occurrence: a create.
 * Second: a patch of `series` only (count 2). Later ones are counted in memory and written
 * coalesced (schedule.ts). All writes of one series go through one promise chain, so concurrent
 * publishes make exactly one create and no count is lost or counted twice.
 */
import { LRUCache } from 'lru-cache';
import { TokenBucket } from '../util/token-bucket.ts';
import { EventsApi, type ApiConnection } from '../events-api.ts';
import {
  ApiError,
  EventDroppedError,
  isForbidden,
  KubeEventsError,
  NetworkError,
  RecorderClosedError,
  TlsError,
  type DropReason,
} from '../errors.ts';
import type { Event, ObjectReference } from '../types.ts';
import { safeEventName } from '../util/event-name.ts';
import { sleep } from '../util/sleep.ts';
import { publishDrop, publishError, publishWrite } from './channels.ts';
import { microTimeAt, systemRecorderClock, type RecorderClock } from './clock.ts';
import type { RecordedEvent, Reporter } from './event.ts';
import { seriesKey } from './key.ts';
import { normalizeRef } from './object-ref.ts';
import { resolveRecorderOptions, type RecorderOptions, type ResolvedRecorderOptions } from './options.ts';
import { isQuiet, nextWriteDue } from './schedule.ts';
import type { EventSink } from './sink.ts';
import { SpamFilter } from './spam-filter.ts';
import { emptyStats, snapshotStats, type RecorderStats } from './stats.ts';
import { normalizeReporter, validateEvent } from './validate.ts';
import { SeriesWriter, type SeriesTarget } from './writer.ts';

/** The chain of a series with no write queued or in flight. */
const SETTLED: Promise<void> = Promise.resolve();

/** How often the publish path looks for idle series (each look is O(1) amortized). */
const IDLE_CHECK_INTERVAL_MS = 1_000;

/** flush() gives up after this many rounds in a row with failed writes, waiting 250 ms, 500 ms … between them. */
const FLUSH_ROUNDS = 6;
const FLUSH_BACKOFF_MS = 250;
/** 403s tolerated in a row on a series already written, before it is abandoned. */
const MAX_FORBIDDEN_RETRIES = 5;

/** 429, 5xx and network failures: waiting can fix them. TLS failures cannot. */
function isTransient(error: unknown): boolean {
  if (error instanceof ApiError) return error.status === 429 || error.status >= 500;
  return error instanceof NetworkError && !(error instanceof TlsError);
}

/** What a publish did. */
export interface PublishResult {
  /** The Event's name (`<regarding name>.<hex nanoseconds>`). */
  name: string;
  namespace: string;
  /** This occurrence's number in its series (1 for a new Event). */
  count: number;
  /** `created`: a new Event; `patched`: its series written now; `coalesced`: counted, written at the next scheduled write. */
  write: 'created' | 'patched' | 'coalesced';
}

interface Series extends SeriesTarget {
  readonly key: string;
  count: number;
  /** The count the server holds (0 until created). */
  written: number;
  lastOccurrenceMs: number;
  lastWriteMs: number;
  burstStartMs: number;
  timer: unknown;
  /** Tail of this series' writes: every write waits for the one before. */
  chain: Promise<void>;
  /** The create, or the first series patch, that publishes wait for; `sealed` once its count is taken. */
  prompt: Promise<void> | undefined;
  /** The prompt write has taken its count: later occurrences are coalesced. */
  sealed: boolean;
  /** Retries of a failing coalesced write, for its backoff. */
  failures: number;
  /** Why the first create failed: queued writes of this series fail the same way instead of creating it. */
  createError: Error | undefined;
  /** Left the cache after a failure that waiting cannot fix: no final write. */
  abandoned: boolean;
  /** A write of this series is on the wire: its completion schedules the next one, so occurrences meanwhile do not. */
  writing: boolean;
  /** A write queued behind the chain and not started yet: it will carry every count, so no second one is queued. */
  queued: Promise<void> | undefined;
  /** 403s in a row after a successful write (RBAC is briefly not loaded after an apiserver restart). */
  forbidden: number;
}

/** What the Recorder and the FakeRecorder of `kube-events/testing` both offer: type controllers against it. */
export interface EventRecorder {
  publish(event: RecordedEvent, regarding: ObjectReference): Promise<PublishResult>;
  emit(event: RecordedEvent, regarding: ObjectReference): void;
  flush(): Promise<void>;
  close(): Promise<void>;
  stats(): RecorderStats;
}

/** Recorder construction: a connection (from `connect()`) or any EventSink, and test hooks. */
export type RecorderTarget = ApiConnection | { sink: EventSink };

export class Recorder implements EventRecorder {
  readonly #options: ResolvedRecorderOptions;
  readonly #reporter: Required<Reporter>;
  readonly #clock: RecorderClock;
  readonly #writer: SeriesWriter;
  readonly #series: LRUCache<string, Series>;
  readonly #budget: TokenBucket | undefined;
  readonly #spam: SpamFilter | undefined;
  readonly #inflight = new Set<Promise<void>>();
  readonly #stats = emptyStats();
  #closed = false;
  #sweepTimer: unknown;
  /** Idle expiry runs at most this often on the publish path (and on the sweep timer). */
  #nextIdleCheckMs = 0;

  /**
   * @param target the connection from `connect()` (or `{ sink }` for custom transports and tests)
   * @param reporter who publishes; `controller` must be a qualified name (checked here)
   * @throws ValidationError for a bad reporter or option, naming it
   * @example
   * ```ts
   * const recorder = new Recorder(await connect(), reporterFromEnv('example.com/my-operator'));
   * await recorder.publish({ type: 'Warning', reason: 'BackOff', action: 'Reconcile', note: 'image pull failed' }, objectRef(pod));
   * ```
   */
  constructor(target: RecorderTarget, reporter: Reporter, options?: RecorderOptions & { clock?: RecorderClock }) {
    const { clock, ...rest } = options ?? {};
    this.#options = resolveRecorderOptions(rest);
    this.#reporter = normalizeReporter(reporter);
    this.#clock = clock ?? systemRecorderClock;
    const sink = 'sink' in target ? target.sink : new EventsApi(target);
    this.#writer = new SeriesWriter(sink, (kind) => {
      this.#stats.writes += 1;
      if (kind === 'create') this.#stats.created += 1;
      else this.#stats.patched += 1;
      publishWrite(kind, () => this.stats());
    });
    this.#series = new LRUCache<string, Series>({
      max: this.#options.maxSeries,
      // Evicted series keep their count: a final write runs if the server is behind.
      dispose: (series, _key, reason) => {
        if (reason === 'evict' || reason === 'delete') this.#retire(series);
      },
    });
    const budget = this.#options.writeBudget;
    if (budget !== false) {
      this.#budget = new TokenBucket(budget, { now: () => this.#clock.now(), sleep: (ms) => this.#sleep(ms) });
    }
    if (this.#options.spamFilter !== false) this.#spam = new SpamFilter(this.#options.spamFilter);
  }

  /**
   * Records one occurrence of `event` about `regarding`.
   * Resolves once the occurrence is on the server, or counted into a series whose next write is scheduled.
   * @throws ValidationError before any API call when the event breaks an apiserver rule
   * @throws ApiError when a write it needed failed after retries (e.g. `Forbidden`: the identity needs
   *   `create` and `patch` on `events.k8s.io` `events`)
   * @throws EventDroppedError when refused on purpose (overload, spam filter); RecorderClosedError after close()
   */
  publish(event: RecordedEvent, regarding: ObjectReference): Promise<PublishResult> {
    try {
      const outcome = this.#record(event, regarding);
      return outcome instanceof Promise ? outcome : Promise.resolve(outcome);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new KubeEventsError(String(error)));
    }
  }

  /**
   * Fire and forget: like publish, but never throws and never rejects. Failures go to `onError`
   * and `stats().failed` / `stats().dropped`.
   */
  emit(event: RecordedEvent, regarding: ObjectReference): void {
    try {
      // A coalesced occurrence completes synchronously: no promise on the hot path.
      const outcome = this.#record(event, regarding);
      if (outcome instanceof Promise) outcome.catch((error: unknown) => this.#report(error));
    } catch (error) {
      this.#report(error);
    }
  }

  /** One occurrence: synchronous when it is only counted, a promise when it waits for a write. */
  #record(event: RecordedEvent, regarding: ObjectReference): PublishResult | Promise<PublishResult> {
    if (this.#closed) {
      this.#stats.dropped.closed += 1;
      publishDrop('closed', () => this.stats());
      throw new RecorderClosedError('publish after close(): the Recorder is closed; create a new one');
    }
    const note = validateEvent(event, regarding);
    const ref = normalizeRef(regarding);
    const now = this.#clock.now();
    if (this.#spam !== undefined && !this.#spam.allow(ref, event.type, now)) {
      throw this.#drop(
        'spam-filter',
        `spam filter: too many ${event.type} events about ${ref.kind ?? ''}/${ref.name ?? ''}`,
      );
    }
    if (now >= this.#nextIdleCheckMs) this.#expireIdle(now);
    const key = seriesKey(event, ref, this.#options.noteInKey);
    const existing = this.#series.get(key);
    if (existing === undefined) return this.#first(key, event, note, ref, now);
    this.#stats.published += 1;
    const count = ++existing.count;
    const quiet = isQuiet({
      dirty: existing.written < count - 1,
      lastOccurrenceMs: existing.lastOccurrenceMs,
      nowMs: now,
      minIntervalMs: this.#options.minWriteIntervalMs,
    });
    if (quiet) existing.burstStartMs = now;
    existing.lastOccurrenceMs = now;
    if (!existing.sealed) {
      // The second occurrence (and any arriving before its patch is sent) waits for the patch.
      existing.prompt ??= this.#enqueue(existing, true);
      return existing.prompt.then(
        () => ({ name: existing.name, namespace: existing.namespace, count, write: 'patched' as const }),
        (error: unknown) => {
          // A transient failure leaves the count in memory with a retry scheduled.
          if (isTransient(error) && !existing.abandoned) {
            return { name: existing.name, namespace: existing.namespace, count, write: 'coalesced' as const };
          }
          throw error;
        },
      );
    }
    this.#stats.coalesced += 1;
    this.#schedule(existing, now);
    return { name: existing.name, namespace: existing.namespace, count, write: 'coalesced' };
  }

  /**
   * Resolves when every count held in memory is on the server (exact counts). Failed writes are
   * tried again with backoff; after FLUSH_ROUNDS rounds without success (about 8 s) flush rejects,
   * and the counts stay in memory for the scheduled retries.
   * @throws KubeEventsError naming how many series are still behind
   */
  async flush(): Promise<void> {
    for (let failedRounds = 0; ;) {
      for (const series of this.#series.values()) {
        if (series.written > 0 && series.written < series.count && (series.prompt === undefined || series.sealed)) {
          this.#writeSoon(series);
        }
      }
      if (this.#inflight.size === 0) return;
      const results = await Promise.allSettled([...this.#inflight]);
      if (!results.some((result) => result.status === 'rejected')) {
        failedRounds = 0;
        continue;
      }
      failedRounds += 1;
      if (failedRounds >= FLUSH_ROUNDS) {
        const behind = [...this.#series.values()].filter((series) => series.written < series.count).length;
        const reason = results.find((result) => result.status === 'rejected')?.reason as unknown;
        throw new KubeEventsError(`flush: ${behind} series could not be written after ${FLUSH_ROUNDS} rounds`, {
          cause: reason,
        });
      }
      await this.#sleep(FLUSH_BACKOFF_MS * 2 ** (failedRounds - 1));
    }
  }

  /**
   * Flushes, stops timers; later publishes reject with RecorderClosedError and emits are dropped (counted).
   * The backlog is written under `shutdownWriteBudget` (faster than `writeBudget`): a stopping pod has
   * a short grace period, and what is not written by then is lost.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#useShutdownBudget();
    try {
      await this.flush();
    } finally {
      for (const series of this.#series.values()) this.#clearTimer(series);
      if (this.#sweepTimer !== undefined) this.#clock.clearTimeout(this.#sweepTimer);
      this.#sweepTimer = undefined;
    }
  }

  #useShutdownBudget(): void {
    const steady = this.#options.writeBudget;
    const shutdown = this.#options.shutdownWriteBudget;
    if (this.#budget === undefined || steady === false) return;
    if (shutdown === false) this.#budget.lift();
    else
      this.#budget.setRate({ qps: Math.max(steady.qps, shutdown.qps), burst: Math.max(steady.burst, shutdown.burst) });
  }

  /** A snapshot of the counters. */
  stats(): RecorderStats {
    return snapshotStats(this.#stats, this.#series.size);
  }

  async #first(
    key: string,
    event: RecordedEvent,
    note: string | undefined,
    ref: ObjectReference,
    now: number,
  ): Promise<PublishResult> {
    if (this.#stats.pendingWrites >= this.#options.maxPendingWrites) {
      throw this.#drop(
        'overload',
        `${this.#stats.pendingWrites} writes pending (maxPendingWrites): the apiserver is not keeping up`,
      );
    }
    this.#stats.published += 1;
    const eventTime = this.#clock.microTime();
    const namespace = ref.namespace ?? this.#options.clusterScopedNamespace;
    const template: Event = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      eventTime,
      type: event.type,
      reason: event.reason,
      action: event.action,
      reportingController: this.#reporter.controller,
      reportingInstance: this.#reporter.instance,
      regarding: ref,
      ...(note !== undefined ? { note } : {}),
      ...(event.secondary !== undefined ? { related: normalizeRef(event.secondary) } : {}),
    };
    const series: Series = {
      key,
      name: safeEventName(ref.name ?? 'event'),
      namespace,
      template,
      count: 1,
      written: 0,
      lastOccurrenceMs: now,
      lastWriteMs: now,
      burstStartMs: now,
      timer: undefined,
      chain: SETTLED,
      prompt: undefined,
      sealed: false,
      failures: 0,
      createError: undefined,
      abandoned: false,
      queued: undefined,
      writing: false,
      forbidden: 0,
    };
    this.#series.set(key, series);
    this.#armSweep();
    try {
      await this.#enqueue(series, true);
    } catch (error) {
      // Kept and retried with backoff (#writeFailed): the occurrence is counted, its write is scheduled.
      if (isTransient(error)) return { name: series.name, namespace, count: 1, write: 'coalesced' };
      // Waiting publishes fail the same way; the next occurrence starts over with a create.
      series.createError = error instanceof Error ? error : new KubeEventsError(String(error));
      throw error;
    }
    return { name: series.name, namespace, count: 1, write: 'created' };
  }

  /** Appends a write of the series' current count to its chain; `awaited` writes reject to their caller. */
  #enqueue(series: Series, awaited: boolean): Promise<void> {
    if (series.queued !== undefined) return series.queued;
    this.#stats.pendingWrites += 1;
    const run = series.chain.then(async () => {
      series.queued = undefined;
      if (series.createError !== undefined) throw series.createError;
      if (series.written >= series.count) return;
      if (this.#budget !== undefined) await this.#budget.take();
      if (series.prompt !== undefined) series.sealed = true;
      const count = series.count;
      if (series.written >= count) return;
      series.writing = true;
      // Formatted at write time only: a MicroTime per occurrence would dominate the hot path.
      const lastObserved = series.count === 1 ? series.template.eventTime : microTimeAt(series.lastOccurrenceMs);
      if (series.written === 0) await this.#writer.create(series, count, lastObserved);
      else await this.#writer.patch(series, count, lastObserved);
      series.written = count;
      series.lastWriteMs = this.#clock.now();
      series.failures = 0;
      series.forbidden = 0;
    });
    const tracked = run.finally(() => {
      series.writing = false;
      this.#stats.pendingWrites -= 1;
      this.#inflight.delete(tracked);
      if (series.written < series.count && series.written > 0) this.#schedule(series, this.#clock.now());
    });
    this.#inflight.add(tracked);
    series.queued = tracked;
    // Later writes of this series run after this one, whatever its outcome.
    const chain = tracked.catch(() => undefined);
    series.chain = chain;
    // Idle series hold no promises: a settled chain is replaced by the shared settled one.
    void chain.then(() => {
      if (series.chain === chain) series.chain = SETTLED;
      if (series.sealed && series.queued === undefined) series.prompt = undefined;
    });
    tracked.catch((error: unknown) => this.#writeFailed(series, error, awaited));
    return tracked;
  }

  #schedule(series: Series, now: number): void {
    // While a write is on the wire the next is not due yet: without this, an occurrence in that
    // window found the previous write's time and queued a second write right behind it.
    if (series.timer !== undefined || series.writing || this.#closed) return;
    const due =
      series.failures > 0
        ? now + Math.min(this.#options.maxWriteIntervalMs, this.#options.minWriteIntervalMs * 2 ** series.failures)
        : nextWriteDue({
            burstStartMs: series.burstStartMs,
            lastWriteMs: series.lastWriteMs,
            nowMs: now,
            minIntervalMs: this.#options.minWriteIntervalMs,
            maxIntervalMs: this.#options.maxWriteIntervalMs,
          });
    if (due <= now) {
      this.#writeSoon(series);
      return;
    }
    series.timer = this.#clock.setTimeout(() => {
      series.timer = undefined;
      this.#writeSoon(series);
    }, due - now);
  }

  #writeSoon(series: Series): void {
    this.#clearTimer(series);
    if (series.written < series.count && !series.abandoned) void this.#enqueue(series, false);
  }

  #clearTimer(series: Series): void {
    if (series.timer !== undefined) this.#clock.clearTimeout(series.timer);
    series.timer = undefined;
  }

  /**
   * A write failed after the connection's retries. Transient failures (429, 5xx, network) keep the
   * counts and retry with backoff; so does a 403 on a series already written (RBAC is briefly not
   * loaded after an apiserver restart), a few times. Anything else ends the series. Failures are
   * reported unless an awaiting caller receives them as a rejection.
   */
  #writeFailed(series: Series, error: unknown, awaited: boolean): void {
    const transient = isTransient(error);
    if (!series.abandoned) {
      const forbiddenAgain = isForbidden(error) && series.written > 0 && series.forbidden < MAX_FORBIDDEN_RETRIES;
      if (transient || forbiddenAgain) {
        if (forbiddenAgain) series.forbidden += 1;
        series.failures += 1;
        this.#schedule(series, this.#clock.now());
      } else {
        this.#abandon(series);
      }
    }
    if (!awaited || transient) this.#report(error);
  }

  #abandon(series: Series): void {
    series.abandoned = true;
    this.#clearTimer(series);
    if (this.#series.peek(series.key) === series) this.#series.delete(series.key);
  }

  /** Idle series at the least recently used end get their final write and leave: O(1) amortized per publish. */
  #expireIdle(now: number): void {
    this.#nextIdleCheckMs = now + IDLE_CHECK_INTERVAL_MS;
    for (const key of this.#series.rkeys()) {
      const series = this.#series.peek(key);
      if (series === undefined || now - series.lastOccurrenceMs < this.#options.idleTimeoutMs) break;
      this.#series.delete(key);
    }
  }

  /** A series left the cache: write what the server does not have yet. */
  #retire(series: Series): void {
    this.#clearTimer(series);
    if (!series.abandoned && series.written > 0 && series.written < series.count) void this.#enqueue(series, false);
  }

  /** Expiry also runs without publishes, so final writes of idle series happen on time. */
  #armSweep(): void {
    if (this.#sweepTimer !== undefined || this.#closed) return;
    this.#sweepTimer = this.#clock.setTimeout(
      () => {
        this.#sweepTimer = undefined;
        this.#expireIdle(this.#clock.now());
        if (this.#series.size > 0) this.#armSweep();
      },
      Math.max(1_000, this.#options.idleTimeoutMs / 6),
    );
  }

  #sleep(ms: number): Promise<void> {
    if (this.#clock === systemRecorderClock) return sleep(ms);
    return new Promise((resolve) => this.#clock.setTimeout(resolve, ms));
  }

  #drop(reason: DropReason, message: string): EventDroppedError {
    this.#stats.dropped[reason] += 1;
    publishDrop(reason, () => this.stats());
    return new EventDroppedError(reason, message);
  }

  #report(error: unknown): void {
    const typed = error instanceof KubeEventsError ? error : new KubeEventsError(String(error), { cause: error });
    if (!(typed instanceof EventDroppedError) && !(typed instanceof RecorderClosedError)) {
      const reason = typed instanceof ApiError ? typed.reason : typed.name;
      this.#stats.failed[reason] = (this.#stats.failed[reason] ?? 0) + 1;
      publishError(typed, () => this.stats());
    }
    this.#options.logger.warn?.(`kube-events: ${typed.message}`, { error: typed });
    try {
      this.#options.onError?.(typed);
    } catch {
      // A throwing hook must not break the caller of emit().
    }
  }
}
