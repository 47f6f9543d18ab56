/**
 * Friendly names for the generated events.k8s.io/v1 types. Only this file and events-api.ts
 * import from generated/; everything else uses these names.
 */
import type {
  IoK8sApiCoreV1Event,
  IoK8sApiCoreV1EventList,
  IoK8sApiCoreV1EventPartial,
  IoK8sApiCoreV1EventSeries,
  IoK8sApiCoreV1EventSource,
  IoK8sApiCoreV1ObjectReference,
  IoK8sApiEventsV1Event,
  IoK8sApiEventsV1EventList,
  IoK8sApiEventsV1EventPartial,
  IoK8sApiEventsV1EventSeries,
  IoK8sApimachineryPkgApisMetaV1DeleteOptions,
  IoK8sApimachineryPkgApisMetaV1ListMeta,
  IoK8sApimachineryPkgApisMetaV1MicroTime,
  IoK8sApimachineryPkgApisMetaV1ObjectMeta,
  IoK8sApimachineryPkgApisMetaV1Status,
  IoK8sApimachineryPkgApisMetaV1StatusCause,
  IoK8sApimachineryPkgApisMetaV1Time,
  KubeEventsJsonPatchOperation,
} from './generated/types.gen.ts';

/** An `events.k8s.io/v1` Event as the apiserver stores it. */
export type Event = IoK8sApiEventsV1Event;
/** `series` of an Event: how often it recurred (count ≥ 2) and when it was last seen. */
export type EventSeries = IoK8sApiEventsV1EventSeries;
/** The result of a list: `items`, and `metadata.continue` / `resourceVersion`. */
export type EventList = IoK8sApiEventsV1EventList;
/** A reference to the object an Event is about (`regarding`) or to a second object (`related`). */
export type ObjectReference = IoK8sApiCoreV1ObjectReference;
export type ObjectMeta = IoK8sApimachineryPkgApisMetaV1ObjectMeta;
export type ListMeta = IoK8sApimachineryPkgApisMetaV1ListMeta;
/** The apiserver's answer for failures and for some deletes. */
export type Status = IoK8sApimachineryPkgApisMetaV1Status;
export type StatusCause = IoK8sApimachineryPkgApisMetaV1StatusCause;
export type DeleteOptions = IoK8sApimachineryPkgApisMetaV1DeleteOptions;
/**
 * A timestamp with exactly six fractional digits in UTC, e.g. `2026-11-25T15:40:00.123456Z`.
 * Branded: make one with {@link formatMicroTime} or {@link microTimeNow}, never from `toISOString()`
 * (the apiserver rejects three digits with 400).
 */
export type MicroTime = IoK8sApimachineryPkgApisMetaV1MicroTime;
/** A timestamp with second precision in UTC, e.g. `2026-11-25T15:40:00Z`; made by {@link formatTime}. */
export type Time = IoK8sApimachineryPkgApisMetaV1Time;
/** Body of a JSON merge or strategic merge patch of an Event: any subset of its fields, `null` removes one. */
export type EventMergePatch = IoK8sApiEventsV1EventPartial;
/** One RFC 6902 JSON Patch operation. */
export type JsonPatchOperation = KubeEventsJsonPatchOperation;
/** Body of a server-side apply: the whole object you manage, with apiVersion and kind. */
export type EventApplyConfiguration = Omit<EventMergePatch, 'apiVersion' | 'kind' | 'metadata'> & {
  apiVersion: 'events.k8s.io/v1';
  kind: 'Event';
  metadata: { name: string; namespace?: string } & NonNullable<EventMergePatch['metadata']>;
};
/** A core/v1 Event (`/api/v1`): the view most consumers read, with `count`, `firstTimestamp`, `lastTimestamp` and `source`. */
export type CoreEvent = IoK8sApiCoreV1Event;
export type CoreEventList = IoK8sApiCoreV1EventList;
/** `series` of a core/v1 Event (same fields as events.k8s.io's). */
export type CoreEventSeries = IoK8sApiCoreV1EventSeries;
/** `source` of a core/v1 Event: `component` and `host` (events.k8s.io's `deprecatedSource`). */
export type CoreEventSource = IoK8sApiCoreV1EventSource;
/** Body of a JSON merge or strategic merge patch of a core/v1 Event. */
export type CoreEventMergePatch = IoK8sApiCoreV1EventPartial;
