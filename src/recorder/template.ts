/** The Event a series is created with: everything but `series`, which each write sets. */
import type { Event, MicroTime, ObjectReference } from '../types.ts';
import type { RecordedEvent, Reporter } from './event.ts';

/**
 * @param input.event the checked copy from `checkEvent` (validate.ts): its `secondary` is already
 *   reduced to the identifying fields
 * @example eventTemplate({ event: checkEvent(event), note, regarding: checkRef('regarding', ref, true), reporter, eventTime })
 */
export function eventTemplate(input: {
  event: RecordedEvent;
  /** The note after validation (cut to fit). */
  note: string | undefined;
  regarding: ObjectReference;
  reporter: Required<Reporter>;
  eventTime: MicroTime;
}): Event {
  const { event, note, regarding, reporter, eventTime } = input;
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    eventTime,
    type: event.type,
    reason: event.reason,
    action: event.action,
    reportingController: reporter.controller,
    reportingInstance: reporter.instance,
    regarding,
    ...(note !== undefined ? { note } : {}),
    ...(event.secondary !== undefined ? { related: event.secondary } : {}),
  };
}
