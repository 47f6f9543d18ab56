/**
 * A faithful TypeScript re-implementation of the seed's algorithm (kube-rs kube_runtime::events
 * Recorder, ../shared/seed/events.rs), the baseline the benchmarks compare against: every publish
 * first scans the whole cache for entries older than 6 min, a repeat sends a JSON merge patch of
 * the *entire* cached event with series.count + 1, and the cache is written after the API call.
 */
import type { EventSink } from '../src/recorder/sink.ts';
import type { RecordedEvent } from '../src/recorder/event.ts';
import type { Event, MicroTime, ObjectReference } from '../src/types.ts';
import { eventName } from '../src/util/event-name.ts';

const CACHE_TTL_MS = 6 * 60_000;

export class SeedRecorder {
  readonly #sink: EventSink;
  readonly #controller: string;
  readonly #instance: string;
  readonly #now: () => number;
  readonly #microTime: () => MicroTime;
  readonly #cache = new Map<string, { event: Event; lastMs: number }>();
  writes = 0;

  constructor(
    sink: EventSink,
    reporter: { controller: string; instance: string },
    clock: { now(): number; microTime(): MicroTime },
  ) {
    this.#sink = sink;
    this.#controller = reporter.controller;
    this.#instance = reporter.instance;
    this.#now = () => clock.now();
    this.#microTime = () => clock.microTime();
  }

  async publish(event: RecordedEvent, reference: ObjectReference): Promise<void> {
    const now = this.#now();
    // retain(): the seed scans every entry on every publish.
    for (const [key, entry] of this.#cache) if (entry.lastMs + CACHE_TTL_MS <= now) this.#cache.delete(key);
    const key = this.#key(event, reference);
    const cached = this.#cache.get(key);
    let next: Event;
    if (cached !== undefined) {
      next = {
        ...cached.event,
        series: { count: (cached.event.series?.count ?? 1) + 1, lastObservedTime: this.#microTime() },
      };
      this.writes += 1;
      await this.#sink.patch({
        namespace: next.metadata?.namespace ?? 'default',
        name: next.metadata?.name ?? '',
        type: 'merge',
        patch: next,
      });
    } else {
      next = this.#newEvent(event, reference);
      this.writes += 1;
      await this.#sink.create(next);
    }
    this.#cache.set(key, { event: next, lastMs: now });
  }

  /**
   * Fills the cache as `publish` of each reference would (one create each) without the API calls
   * and without the quadratic cost of its per-publish scan, so that large caches can be measured.
   */
  async prefill(event: RecordedEvent, references: ObjectReference[]): Promise<void> {
    for (const reference of references) {
      const created = this.#newEvent(event, reference);
      await this.#sink.create(created);
      this.#cache.set(this.#key(event, reference), { event: created, lastMs: this.#now() });
    }
  }

  /** The seed's EventKey compares whole references (resourceVersion included). */
  #key(event: RecordedEvent, reference: ObjectReference): string {
    return JSON.stringify([
      event.type,
      event.action,
      event.reason,
      this.#controller,
      this.#instance,
      reference,
      event.secondary ?? null,
    ]);
  }

  #newEvent(event: RecordedEvent, reference: ObjectReference): Event {
    return {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: eventName(reference.name ?? this.#controller), namespace: reference.namespace ?? 'default' },
      eventTime: this.#microTime(),
      type: event.type,
      reason: event.reason,
      action: event.action,
      reportingController: this.#controller,
      reportingInstance: this.#instance,
      regarding: reference,
      ...(event.note !== undefined ? { note: event.note } : {}),
      ...(event.secondary !== undefined ? { related: event.secondary } : {}),
    };
  }

  get size(): number {
    return this.#cache.size;
  }
}
