/** Picks the EventSink a Recorder writes through, from its target and `legacyFields`. */
import { ValidationError } from '../errors.ts';
import type { RecorderTarget } from './api.ts';
import { coreV1Sink } from './core-v1-sink.ts';
import type { EventSink } from './sink.ts';

/** @throws ValidationError naming `legacyFields` when the target cannot write in the chosen mode */
export function sinkFor(target: RecorderTarget, legacyFields: boolean): EventSink {
  if (legacyFields) {
    if ('coreSink' in target) return coreV1Sink(target.coreSink);
    if ('events' in target && target.coreEvents !== undefined) return coreV1Sink(target.coreEvents);
    throw new ValidationError(
      'options.legacyFields',
      'writes core/v1 Events: pass a connection from connect() (it has coreEvents) or { coreSink }, not an events.k8s.io sink',
    );
  }
  if ('coreSink' in target) {
    throw new ValidationError(
      'options.legacyFields',
      'a { coreSink } target writes core/v1 Events: set legacyFields: true',
    );
  }
  return 'sink' in target ? target.sink : target.events;
}
