/** kube-events: publish and read Kubernetes Events (events.k8s.io/v1). */
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
  type ApiErrorDetails,
} from './errors.ts';
export type {
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
export { eventName, uniqueNanos } from './util/event-name.ts';
export {
  formatMicroTime,
  formatTime,
  microTimeNow,
  parseMicroTime,
  type ParsedTime,
  type TimeInput,
} from './util/micro-time.ts';
