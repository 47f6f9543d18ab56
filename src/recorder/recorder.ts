/**
 * The Recorder: publishes Events with honest, storm-proof series. It checks and keys each
 * occurrence; the series engine (engine.ts) writes them: the first as a create, the second as a
 * patch of `series`, later ones coalesced on a doubling schedule (schedule.ts).
 */
import { EventDroppedError, FlushTimeoutError, KubeEventsError, RecorderClosedError } from '../errors.ts';
import type { Event, MicroTime, ObjectReference } from '../types.ts';
import { safeEventName } from '../util/event-name.ts';
import type { CloseReport, DrainOptions, EventRecorder, PublishResult, RecorderHooks, RecorderTarget } from './api.ts';
import { writePermits, type WritePermits } from './budget.ts';
import { systemRecorderClock, type RecorderClock } from './clock.ts';
import { SeriesEngine } from './engine.ts';
import type { RecordedEvent, Reporter } from './event.ts';
import { seriesKey } from './key.ts';
import {
  drainTimeout,
  RECORDER_DEFAULTS,
  recorderArguments,
  resolveRecorderOptions,
  type RecorderOptions,
  type ResolvedRecorderOptions,
} from './options.ts';
import { Outcomes } from './outcomes.ts';
import { Series } from './series.ts';
import { SpamFilter } from './spam-filter.ts';
import { emptyStats, snapshotStats, type RecorderStats } from './stats.ts';
import { sinkFor } from './target.ts';
import { eventTemplate } from './template.ts';
import { checkEvent, checkRef, checkTarget, normalizeReporter } from './validate.ts';

export type { CloseReport, DrainOptions, EventRecorder, PublishResult, RecorderHooks, RecorderTarget } from './api.ts';

export class Recorder implements EventRecorder {
  readonly #options: ResolvedRecorderOptions;
  readonly #reporter: Required<Reporter>;
  readonly #clock: RecorderClock;
  readonly #permits: WritePermits | undefined;
  readonly #spam: SpamFilter | undefined;
  readonly #engine: SeriesEngine;
  readonly #stats = emptyStats();
  readonly #outcomes: Outcomes;
  #closing: Promise<CloseReport> | undefined;

  /**
   * @param target the connection from `connect()` (or `{ sink }` / `{ coreSink }` for custom transports and tests)
   * @param reporter who publishes; `controller` must be a qualified name (checked here)
   * @throws ValidationError for a bad target, reporter or option, naming it (`target`, `reporter.controller`,
   *   `options.spamFilter.burst`, …): unknown keys and `null` are refused at every level
   * @example
   * ```ts
   * const recorder = new Recorder(await connect(), reporterFromEnv('example.com/my-operator'));
   * await recorder.publish({ type: 'Warning', reason: 'BackOff', action: 'Reconcile', note: 'image pull failed' }, objectRef(pod));
   * ```
   */
  constructor(target: RecorderTarget, reporter: Reporter, options?: RecorderOptions & RecorderHooks) {
    // Every argument checked (ValidationError naming it) and copied: a getter is read once.
    target = checkTarget(target);
    const { clock, random, ...rest } = recorderArguments(options);
    this.#options = resolveRecorderOptions(rest);
    this.#reporter = normalizeReporter(reporter);
    this.#clock = clock ?? systemRecorderClock;
    this.#permits = writePermits(this.#options, this.#clock);
    if (this.#options.spamFilter !== false) this.#spam = new SpamFilter(this.#options.spamFilter);
    this.#outcomes = new Outcomes(this.#stats, this.#options, () => this.stats());
    this.#engine = new SeriesEngine({
      options: this.#options,
      clock: this.#clock,
      random: random ?? Math.random,
      sink: sinkFor(target, this.#options.legacyFields),
      observer: this.#outcomes.writes,
      permits: this.#permits,
      stats: this.#stats,
      failed: (error) => this.#outcomes.failed(error),
      report: (error) => this.#outcomes.report(error),
    });
  }

  /**
   * Records one occurrence of `event` about `regarding`. Resolves once the occurrence is on the
   * server, or counted into a series whose next write (or retry) is scheduled.
   * @throws ValidationError before any API call when the event breaks an apiserver rule
   * @throws ApiError when the write it waited for failed in a way retrying cannot fix (e.g. `Forbidden`:
   *   the identity needs `create` and `patch` on `events.k8s.io` `events`, or on `events` in apiGroup `""`
   *   with `legacyFields`); `onError` gets an EventsLostError
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

  /** Fire and forget: like publish, but never throws and never rejects; failures go to `onError` and `stats()`. */
  emit(event: RecordedEvent, regarding: ObjectReference): void {
    try {
      // A coalesced occurrence completes synchronously: no promise on the hot path.
      const outcome = this.#record(event, regarding);
      // A loss has already reached onError as an EventsLostError.
      if (outcome instanceof Promise) outcome.catch(() => undefined);
    } catch (error) {
      this.#outcomes.rejected(error);
    }
  }

  /**
   * Resolves when every occurrence accepted before the call is on the server or reported lost.
   * Scheduled writes and retries go at once; failures are retried on a short backoff.
   * @throws FlushTimeoutError after `timeoutMs`; the counts stay in memory and are retried
   * @throws ValidationError for a bad `timeoutMs`
   */
  async flush(options?: DrainOptions): Promise<void> {
    const timeoutMs = drainTimeout(options, RECORDER_DEFAULTS.flushTimeoutMs);
    const { done, behind } = await this.#engine.drain(timeoutMs);
    if (!done) throw new FlushTimeoutError(behind, timeoutMs);
  }

  /**
   * Writes every pending count within `timeoutMs` (under `shutdownWriteBudget`) and stops. What is
   * not on the server by then is lost: counted in the report, `stats().lost` and sent to `onError`.
   * Later publishes reject with RecorderClosedError, emits are dropped (counted). A second call
   * returns the first one's report.
   * @throws ValidationError for a bad `timeoutMs`
   */
  async close(options?: DrainOptions): Promise<CloseReport> {
    if (this.#closing !== undefined) return this.#closing;
    const timeoutMs = drainTimeout(options, RECORDER_DEFAULTS.closeTimeoutMs);
    this.#permits?.closing();
    this.#closing = this.#engine.close(timeoutMs);
    return this.#closing;
  }

  /** A snapshot of the counters. */
  stats(): RecorderStats {
    this.#stats.pendingWrites = this.#engine.pendingWrites;
    this.#stats.retiringSeries = this.#engine.cache.retiring;
    return snapshotStats(this.#stats, this.#engine.cache.size);
  }

  /** Resolves when no write is queued or on the wire (later ones may be scheduled): the idle point for tests. */
  idle(): Promise<void> {
    return this.#engine.idle();
  }

  /** One occurrence: synchronous when it is only counted, a promise when it waits for a write. */
  #record(event: RecordedEvent, regarding: ObjectReference): PublishResult | Promise<PublishResult> {
    if (this.#closing !== undefined) {
      const message = 'publish after close(): the Recorder is closed; create a new one';
      throw this.#outcomes.drop('closed', new RecorderClosedError(message));
    }
    // The caller's objects are read once, into checked copies (validate.ts): from here on only those.
    event = checkEvent(event);
    const ref = checkRef('regarding', regarding, true);
    const note = event.note;
    const now = this.#clock.now();
    if (this.#spam !== undefined && !this.#spam.allow(ref, event.type, now)) {
      const about = `${ref.kind ?? ''}/${ref.name ?? ''}`;
      const message = `spam filter: too many ${event.type} events about ${about}`;
      throw this.#outcomes.drop('spam-filter', new EventDroppedError('spam-filter', message));
    }
    this.#engine.cache.expireIdle(now);
    const key = seriesKey(event, ref, this.#options.noteInKey);
    const existing = this.#engine.cache.get(key);
    if (existing === undefined) return this.#first(key, eventTemplate({ event, note, regarding: ref, ...this.#at() }));
    this.#stats.published += 1;
    const { count, wait } = this.#engine.occur(existing, now);
    // Read the name once the write is done: a collision may have renamed the Event.
    if (wait !== undefined)
      return wait.then((write) => ({ name: existing.name, namespace: existing.namespace, count, write }));
    this.#stats.coalesced += 1;
    return { name: existing.name, namespace: existing.namespace, count, write: 'coalesced' };
  }

  #at(): { reporter: Required<Reporter>; eventTime: MicroTime } {
    return { reporter: this.#reporter, eventTime: this.#clock.microTime() };
  }

  /** A new series, written at once. @throws EventDroppedError when the server is too far behind to take it */
  #first(key: string, template: Event): Promise<PublishResult> {
    const { pendingWrites, cache } = this.#engine;
    if (pendingWrites >= this.#options.maxPendingWrites || cache.full) {
      const message = `${pendingWrites} writes pending, ${cache.retiring} series retiring: the apiserver is not keeping up`;
      throw this.#outcomes.drop('overload', new EventDroppedError('overload', message));
    }
    const regarding = template.regarding ?? {};
    const namespace = regarding.namespace ?? this.#options.clusterScopedNamespace;
    const series = new Series({
      key,
      name: safeEventName(regarding.name ?? 'event'),
      namespace,
      template,
      nowMs: this.#clock.now(),
    });
    this.#stats.published += 1;
    return this.#engine.admit(series).then((write) => ({ name: series.name, namespace, count: 1, write }));
  }
}
