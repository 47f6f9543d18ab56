/**
 * A Recorder for users' tests: the same interface and validation, kept in memory, never blocking,
 * with small assertion helpers. Occurrences of one series are counted like the real Recorder does.
 */
import { AssertionError } from 'node:assert';
import { RecorderClosedError } from '../errors.ts';
import type { RecordedEvent, Reporter } from '../recorder/event.ts';
import { seriesKey } from '../recorder/key.ts';
import { normalizeRef } from '../recorder/object-ref.ts';
import type { CloseReport, DrainOptions, EventRecorder, PublishResult } from '../recorder/api.ts';
import { drainTimeout } from '../recorder/options.ts';
import { emptyLost, emptyStats, snapshotStats, type RecorderStats } from '../recorder/stats.ts';
import { normalizeReporter, validateEvent } from '../recorder/validate.ts';
import type { ObjectReference } from '../types.ts';
import { safeEventName } from '../util/event-name.ts';

/** One series as the fake holds it. */
export interface FakeEvent {
  name: string;
  namespace: string;
  type: RecordedEvent['type'];
  reason: string;
  action: string;
  /** The note as it would be stored (cut to 1024 bytes). */
  note: string | undefined;
  regarding: ObjectReference;
  related: ObjectReference | undefined;
  reportingController: string;
  reportingInstance: string;
  /** Occurrences so far (the Event's series.count, or 1). */
  count: number;
}

/** What to look for: every given field must match; `regarding` matches on the fields it gives. */
export interface FakeEventMatch {
  type?: RecordedEvent['type'];
  reason?: string;
  action?: string;
  note?: string | RegExp;
  regarding?: Partial<ObjectReference>;
  count?: number;
}

function matches(event: FakeEvent, match: FakeEventMatch): boolean {
  if (match.type !== undefined && event.type !== match.type) return false;
  if (match.reason !== undefined && event.reason !== match.reason) return false;
  if (match.action !== undefined && event.action !== match.action) return false;
  if (match.count !== undefined && event.count !== match.count) return false;
  if (match.note !== undefined) {
    const note = event.note ?? '';
    if (typeof match.note === 'string' ? note !== match.note : !match.note.test(note)) return false;
  }
  for (const [field, value] of Object.entries(match.regarding ?? {})) {
    if (event.regarding[field as keyof ObjectReference] !== value) return false;
  }
  return true;
}

/**
 * @example
 * ```ts
 * const recorder = new FakeRecorder({ controller: 'example.com/my-operator' });
 * await reconcile(pod, recorder);
 * recorder.assertPublished({ type: 'Warning', reason: 'BackOff', regarding: { name: 'web-0' }, count: 3 });
 * ```
 */
export class FakeRecorder implements EventRecorder {
  readonly #reporter: Required<Reporter>;
  readonly #series = new Map<string, FakeEvent>();
  readonly #stats = emptyStats();
  #closed = false;

  constructor(
    reporter: Reporter,
    options: { clusterScopedNamespace?: 'default' | 'kube-system'; noteInKey?: boolean } = {},
  ) {
    this.#reporter = normalizeReporter(reporter);
    this.#namespace = options.clusterScopedNamespace ?? 'default';
    this.#noteInKey = options.noteInKey ?? false;
  }

  readonly #namespace: string;
  readonly #noteInKey: boolean;

  publish(event: RecordedEvent, regarding: ObjectReference): Promise<PublishResult> {
    try {
      return Promise.resolve(this.#record(event, regarding));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  emit(event: RecordedEvent, regarding: ObjectReference): void {
    try {
      this.#record(event, regarding);
    } catch (error) {
      const name = (error as Error).name;
      if (!(error instanceof RecorderClosedError)) this.#stats.failed[name] = (this.#stats.failed[name] ?? 0) + 1;
    }
  }

  /** Everything is "written" at once: nothing to wait for. @throws ValidationError for a bad `timeoutMs` */
  async flush(options?: DrainOptions): Promise<void> {
    drainTimeout(options, 0);
    await Promise.resolve();
  }

  /** Closes; the report says nothing was pending (the fake writes at once). A second call returns the same report. */
  async close(options?: DrainOptions): Promise<CloseReport> {
    drainTimeout(options, 0);
    this.#closed = true;
    return await Promise.resolve({
      series: 0,
      written: 0,
      lost: 0,
      lostByReason: emptyLost(),
    });
  }

  stats(): RecorderStats {
    return snapshotStats(this.#stats, this.#series.size);
  }

  /** Every series recorded, in order of first occurrence. */
  events(): FakeEvent[] {
    return [...this.#series.values()].map((event) => ({ ...event }));
  }

  /** The series that match. */
  find(match: FakeEventMatch = {}): FakeEvent[] {
    return this.events().filter((event) => matches(event, match));
  }

  /** Throws an AssertionError listing what was recorded when no series matches. */
  assertPublished(match: FakeEventMatch): FakeEvent {
    const found = this.find(match);
    if (found[0] !== undefined) return found[0];
    throw new AssertionError({
      message: `no recorded event matches ${JSON.stringify(match)}; recorded: ${JSON.stringify(this.events().map((e) => ({ type: e.type, reason: e.reason, regarding: e.regarding.name, count: e.count })))}`,
    });
  }

  /** Throws an AssertionError when a series matches. */
  assertNotPublished(match: FakeEventMatch): void {
    const found = this.find(match);
    if (found.length > 0)
      throw new AssertionError({
        message: `expected no event matching ${JSON.stringify(match)}, found ${found.length}`,
      });
  }

  /** Forgets everything recorded (the fake stays open). */
  clear(): void {
    this.#series.clear();
    Object.assign(this.#stats, emptyStats());
  }

  #record(event: RecordedEvent, regarding: ObjectReference): PublishResult {
    if (this.#closed) {
      this.#stats.dropped.closed += 1;
      throw new RecorderClosedError('publish after close(): the Recorder is closed; create a new one');
    }
    const note = validateEvent(event, regarding);
    const ref = normalizeRef(regarding);
    this.#stats.published += 1;
    const key = seriesKey(event, ref, this.#noteInKey);
    const existing = this.#series.get(key);
    if (existing !== undefined) {
      existing.count += 1;
      if (existing.count === 2) this.#stats.patched += 1;
      else this.#stats.coalesced += 1;
      return {
        name: existing.name,
        namespace: existing.namespace,
        count: existing.count,
        write: existing.count === 2 ? 'patched' : 'coalesced',
      };
    }
    const created: FakeEvent = {
      name: safeEventName(ref.name ?? 'event'),
      namespace: ref.namespace ?? this.#namespace,
      type: event.type,
      reason: event.reason,
      action: event.action,
      note,
      regarding: ref,
      related: event.secondary === undefined ? undefined : normalizeRef(event.secondary),
      reportingController: this.#reporter.controller,
      reportingInstance: this.#reporter.instance,
      count: 1,
    };
    this.#series.set(key, created);
    this.#stats.created += 1;
    return { name: created.name, namespace: created.namespace, count: 1, write: 'created' };
  }
}
