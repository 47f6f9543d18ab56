/**
 * The series key (as the seed: type, action, reason, reporter, regarding, related) over
 * normalized references, so a changed resourceVersion or an extra field never splits a series.
 * The reporter is fixed per Recorder and so left out; the note only with `noteInKey`.
 */
import type { ObjectReference } from '../types.ts';
import type { RecordedEvent } from './event.ts';

function refKey(ref: ObjectReference | undefined): string {
  if (ref === undefined) return '';
  return `${ref.apiVersion ?? ''}\u0001${ref.kind ?? ''}\u0001${ref.namespace ?? ''}\u0001${ref.name ?? ''}\u0001${ref.uid ?? ''}\u0001${ref.fieldPath ?? ''}`;
}

export function seriesKey(event: RecordedEvent, regarding: ObjectReference, noteInKey: boolean): string {
  // NUL does not occur in Kubernetes names, kinds or API versions, so parts never run together.
  const note = noteInKey ? (event.note ?? '') : '';
  return `${event.type}\u0000${event.action}\u0000${event.reason}\u0000${refKey(regarding)}\u0000${refKey(event.secondary)}\u0000${note}`;
}
