/** An EventSink that answers at once and counts, for benchmarks of the Recorder's own cost. */
import type { PatchRequest } from '../src/events-api.ts';
import type { EventSink } from '../src/recorder/sink.ts';
import type { Event } from '../src/types.ts';

export class CountingSink implements EventSink {
  creates = 0;
  patches = 0;
  /** series.count of the last write per event name. */
  readonly counts = new Map<string, number>();

  create(event: Event): Promise<Event> {
    this.creates += 1;
    this.counts.set(event.metadata?.name ?? '', event.series?.count ?? 1);
    return Promise.resolve(event);
  }

  patch(request: PatchRequest): Promise<Event> {
    this.patches += 1;
    const patch = request.patch as { series?: { count?: number } };
    if (patch.series?.count !== undefined) this.counts.set(request.name, patch.series.count);
    return Promise.resolve({ eventTime: undefined as never });
  }

  get writes(): number {
    return this.creates + this.patches;
  }
}
