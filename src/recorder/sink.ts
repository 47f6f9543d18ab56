/**
 * The two API calls the Recorder makes. A connection's `events` (EventsApi) provides them; so can
 * any transport of your own. Both must honour `signal`: close() aborts writes still on the wire at
 * its deadline.
 */
import type { PatchRequest } from '../events-api.ts';
import type { Event } from '../types.ts';

export interface EventSink {
  create(event: Event, options?: { namespace?: string; signal?: AbortSignal }): Promise<Event>;
  patch(request: PatchRequest): Promise<Event>;
}
