/** Objects shared by tests. */
import type { Event } from '../../src/types.ts';
import { formatMicroTime } from '../../src/micro-time.ts';

export const EVENT_TIME = formatMicroTime(1_795_621_200_123_456_000n);

export function sampleEvent(overrides: Partial<Event> = {}): Event {
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: 'web-0.187b3c0a1e2f4d5c', namespace: 'default' },
    eventTime: EVENT_TIME,
    type: 'Warning',
    reason: 'BackOff',
    action: 'Reconcile',
    note: 'image pull failed',
    reportingController: 'example.com/my-operator',
    reportingInstance: 'my-operator-0',
    regarding: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web-0', uid: 'u-1' },
    ...overrides,
  };
}
