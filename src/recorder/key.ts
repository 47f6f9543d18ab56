/**
 * The series key (as the seed: type, action, reason, reporter, regarding, related) over
 * normalized references, so a changed resourceVersion or an extra field never splits a series.
 * The reporter is fixed per Recorder and so left out; the note only with `noteInKey`.
 */
import type { ObjectReference } from '../types.ts';
import type { RecordedEvent } from './event.ts';

function refKey(ref: ObjectReference | undefined): string {
  if (ref === undefined) return '';
  return [ref.apiVersion, ref.kind, ref.namespace, ref.name, ref.uid, ref.fieldPath].join('\u0001');
}

export function seriesKey(event: RecordedEvent, regarding: ObjectReference, noteInKey: boolean): string {
  // NUL and SOH do not occur in Kubernetes names, kinds or API versions, so parts never run together.
  // join() makes one flat string: a template literal would keep a tree of pieces alive in the cache.
  return [
    event.type,
    event.action,
    event.reason,
    refKey(regarding),
    refKey(event.secondary),
    noteInKey ? event.note : '',
  ].join('\u0000');
}
