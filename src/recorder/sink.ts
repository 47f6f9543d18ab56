/** The two API calls the Recorder needs; EventsApi provides them (the Recorder never builds requests itself). */
import type { PatchRequest } from '../events-api.ts';
import type { Event } from '../types.ts';

export interface EventSink {
  create(event: Event, options?: { namespace?: string }): Promise<Event>;
  patch(request: PatchRequest): Promise<Event>;
}
