/** kube-events: publish and read Kubernetes Events (events.k8s.io/v1). */
export { connect, DEFAULT_USER_AGENT, type ConnectOptions, type Connection } from './connection/index.ts';
export type { KubeconfigObject, ClientNodeKubeConfig, KubeconfigDocument } from './connection/load-config.ts';
export type { RetryOptions } from './connection/retry.ts';
export type { RateLimitOptions } from './connection/rate-limit.ts';
export {
  DEFAULT_FIELD_MANAGER,
  DEFAULT_TIMEOUT_MS,
  EventsApi,
  PATCH_CONTENT_TYPES,
  type ApiConnection,
  type CallOptions,
  type EventRef,
  type ListOptions,
  type PatchRequest,
  type PatchType,
  type WatchOptions,
  type WriteOptions,
} from './events-api.ts';
export { CoreEventsApi, type CorePatchRequest } from './core-events-api.ts';
export {
  AbortedError,
  ApiError,
  isAlreadyExists,
  isApiError,
  isConflict,
  isForbidden,
  isInvalid,
  isNotFound,
  isResourceExpired,
  KubeEventsError,
  NetworkError,
  ResourceExpiredError,
  TimeoutError,
  ValidationError,
  ConfigError,
  TlsError,
  CredentialError,
  ConnectionClosedError,
  LOST_REASONS,
  isConfigError,
  RecorderClosedError,
  EventDroppedError,
  EventsLostError,
  FlushTimeoutError,
  type DropReason,
  type LostReason,
  type LostSeries,
  type ApiErrorDetails,
} from './errors.ts';
export type {
  CoreEvent,
  CoreEventList,
  CoreEventMergePatch,
  CoreEventSeries,
  CoreEventSource,
  DeleteOptions,
  Event,
  EventApplyConfiguration,
  EventList,
  EventMergePatch,
  EventSeries,
  JsonPatchOperation,
  ListMeta,
  MicroTime,
  ObjectMeta,
  ObjectReference,
  Status,
  StatusCause,
  Time,
} from './types.ts';
export { WatchDecodeError, type WatchBookmark, type WatchEvent } from './watch.ts';
export { eventName, eventNamePrefix, safeEventName, uniqueNanos } from './util/event-name.ts';
export {
  Recorder,
  type CloseReport,
  type DrainOptions,
  type EventRecorder,
  type PublishResult,
  type RecorderHooks,
  type RecorderTarget,
} from './recorder/recorder.ts';
export { reporterFromEnv, type EventType, type RecordedEvent, type Reporter } from './recorder/event.ts';
export { normalizeRef, objectRef, type KubernetesObjectLike } from './recorder/object-ref.ts';
export {
  RECORDER_DEFAULTS,
  type RecorderLogger,
  type RecorderOptions,
  type SpamFilterOptions,
} from './recorder/options.ts';
export type { RecorderStats } from './recorder/stats.ts';
export type { EventSink } from './recorder/sink.ts';
export type { CoreEventSink } from './recorder/core-v1-sink.ts';
export { ManualClock, type RecorderClock } from './recorder/clock.ts';
export {
  formatMicroTime,
  formatTime,
  microTimeNow,
  parseMicroTime,
  type ParsedTime,
  type TimeInput,
} from './micro-time.ts';
