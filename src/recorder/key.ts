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
  // \u0000 cannot appear in Kubernetes names or in the validated fields, so parts never run together.
  return [
    event.type,
    event.action,
    event.reason,
    refKey(regarding),
    refKey(event.secondary),
    noteInKey ? (event.note ?? '') : '',
  ].join('\u0000');
}
