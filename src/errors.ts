/**
 * One base class and a few subclasses. Messages say what failed, on which request or input, and
 * what to do; none ever contains a credential (requests are described by method and URL only).
 */
import type { Status, StatusCause } from './types.ts';

/** Base of every error kube-events throws. */
export class KubeEventsError extends Error {
  override name = 'KubeEventsError';
}

/** A value given to kube-events breaks a rule the apiserver would enforce, or is malformed. */
export class ValidationError extends KubeEventsError {
  override name = 'ValidationError';
  /** The offending field or argument, e.g. `eventTime` or `note`. */
  readonly field: string;
  constructor(field: string, message: string, options?: ErrorOptions) {
    super(`${field}: ${message}`, options);
    this.field = field;
  }
}

/** What the apiserver answered with a non-2xx status, decoded from its `Status` body when there is one. */
export interface ApiErrorDetails {
  /** HTTP status code, e.g. 404. */
  status: number;
  /** Kubernetes reason, e.g. `NotFound`, `AlreadyExists`, `Conflict`, `Forbidden`, `Invalid`, `TooManyRequests`, `Expired`. */
  reason: string;
  /** The server's message, or the plain-text body. */
  serverMessage: string;
  /** Field-level causes (for `Invalid`: one per rejected field). */
  causes: StatusCause[];
  /** Seconds to wait before retrying, from `Retry-After` or `details.retryAfterSeconds`. */
  retryAfterSeconds: number | undefined;
  method: string;
  /** The request URL (never carries credentials). */
  url: string;
  /** The decoded Status, when the body was one. */
  statusObject: Status | undefined;
}

/** The apiserver refused a request. */
export class ApiError extends KubeEventsError implements ApiErrorDetails {
  override name = 'ApiError';
  readonly status: number;
  readonly reason: string;
  readonly serverMessage: string;
  readonly causes: StatusCause[];
  readonly retryAfterSeconds: number | undefined;
  readonly method: string;
  readonly url: string;
  readonly statusObject: Status | undefined;
  constructor(details: ApiErrorDetails, options?: ErrorOptions) {
    const causes = details.causes.map((c) => `${c.field ?? '?'}: ${c.message ?? c.reason ?? ''}`).join('; ');
    super(
      `${details.method} ${details.url} failed: ${details.status} ${details.reason}: ${details.serverMessage}` +
        (causes !== '' && !details.serverMessage.includes(causes) ? ` (${causes})` : ''),
      options,
    );
    this.status = details.status;
    this.reason = details.reason;
    this.serverMessage = details.serverMessage;
    this.causes = details.causes;
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.method = details.method;
    this.url = details.url;
    this.statusObject = details.statusObject;
  }
}

/**
 * The resourceVersion a list or watch asked for is too old (HTTP 410 Gone, reason `Expired`):
 * list again and watch from the list's resourceVersion.
 */
export class ResourceExpiredError extends ApiError {
  override name = 'ResourceExpiredError';
}

/** No HTTP answer: connection refused or reset, DNS or TLS failure. */
export class NetworkError extends KubeEventsError {
  override name = 'NetworkError';
  readonly method: string;
  readonly url: string;
  constructor(method: string, url: string, problem: string, options?: ErrorOptions) {
    super(`${method} ${url}: ${problem}`, options);
    this.method = method;
    this.url = url;
  }
}

/** The request took longer than its timeout. */
export class TimeoutError extends NetworkError {
  override name = 'TimeoutError';
}

/** The caller's AbortSignal stopped the request. */
export class AbortedError extends NetworkError {
  override name = 'AbortedError';
}

export const isApiError = (error: unknown): error is ApiError => error instanceof ApiError;
export const isNotFound = (error: unknown): error is ApiError => isApiError(error) && error.status === 404;
export const isAlreadyExists = (error: unknown): error is ApiError =>
  isApiError(error) && error.reason === 'AlreadyExists';
export const isConflict = (error: unknown): error is ApiError => isApiError(error) && error.status === 409;
export const isForbidden = (error: unknown): error is ApiError => isApiError(error) && error.status === 403;
export const isInvalid = (error: unknown): error is ApiError => isApiError(error) && error.status === 422;
export const isResourceExpired = (error: unknown): error is ResourceExpiredError =>
  error instanceof ResourceExpiredError;

/**
 * A kubeconfig or in-cluster environment is missing, malformed or contradictory (a bad `connect()`
 * option is a ValidationError). The message names the file (or variable) and the field.
 * @example
 * ```ts
 * try { await connect({ kubeconfig: './kubeconfig' }); } catch (error) { if (isConfigError(error)) console.error(error.source); }
 * ```
 */
export class ConfigError extends KubeEventsError {
  override name = 'ConfigError';
  /** The file, environment variable or option at fault, e.g. `/home/me/.kube/config`. */
  readonly source: string;
  /** The field at fault, e.g. `users[ci].user.client-key`, when there is one. */
  readonly field: string | undefined;
  constructor(source: string, field: string | undefined, message: string, options?: ErrorOptions) {
    super(`${source}${field !== undefined ? `: ${field}` : ''}: ${message}`, options);
    this.source = source;
    this.field = field;
  }
}

/** The server's identity could not be verified, or the client certificate was refused during the handshake. */
export class TlsError extends NetworkError {
  override name = 'TlsError';
}

export const isConfigError = (error: unknown): error is ConfigError => error instanceof ConfigError;

/**
 * Credentials for a request could not be had: an exec plugin failed (exit code, timeout, bad
 * output) or a token file could not be read. `retryable` says whether a later attempt may succeed
 * (a plugin that exited non-zero may work next time; one that is not installed will not). The
 * plugin's stderr is never part of the message: it went to the process's stderr, as kubectl does.
 * @example
 * ```ts
 * if (error instanceof CredentialError && error.retryable) scheduleRetry();
 * ```
 */
export class CredentialError extends ConfigError {
  override name = 'CredentialError';
  /** A later attempt may succeed (the Recorder retries it for a bounded time). */
  readonly retryable: boolean;
  constructor(
    source: string,
    field: string | undefined,
    message: string,
    options: ErrorOptions & { retryable: boolean },
  ) {
    super(source, field, message, options);
    this.retryable = options.retryable;
  }
}

/**
 * The connection was closed (`conn.close()`): every request through it fails at once with this
 * error, without touching the network.
 * @example
 * ```ts
 * await conn.close();
 * await conn.events.list({ namespace: 'default' }); // rejects with ConnectionClosedError
 * ```
 */
export class ConnectionClosedError extends KubeEventsError {
  override name = 'ConnectionClosedError';
  readonly method: string;
  readonly url: string;
  constructor(method: string, url: string) {
    super(`${method} ${url}: the connection is closed (conn.close() was called); connect() again`);
    this.method = method;
    this.url = url;
  }
}

/** The Recorder was closed: create a new one (closing is for process shutdown). */
export class RecorderClosedError extends KubeEventsError {
  override name = 'RecorderClosedError';
}

/** Why the Recorder refused an occurrence without writing it. */
export type DropReason = 'overload' | 'spam-filter' | 'closed';

/** The Recorder dropped an occurrence on purpose (counted in `stats().dropped`). */
export class EventDroppedError extends KubeEventsError {
  override name = 'EventDroppedError';
  readonly reason: DropReason;
  constructor(reason: DropReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

/**
 * Why occurrences the Recorder had accepted could not be put on the server (the failure table in
 * `recorder/failure-table.ts` says which answer leads to which):
 * - `shutdown-deadline`: close() reached its deadline first.
 * - `forbidden`: RBAC refused `create` or `patch` of events in that namespace.
 * - `namespace-gone`: the Event's namespace does not exist (404 with `details.kind: namespaces`).
 * - `namespace-terminating`: the namespace is being deleted (403 `NamespaceTerminating`).
 * - `invalid`: the apiserver rejected a field (422, 400).
 * - `rejected`: an admission webhook denied the write.
 * - `too-large`: the request or the stored object is over the server's size limit (413, etcd "request is too large").
 * - `unauthorized`: the apiserver kept answering 401 after fresh credentials.
 * - `credentials`: no credentials could be had (an exec plugin or token file kept failing).
 * - `connection-closed`: the connection was closed with `close()` while the Recorder still wrote through it.
 * - `abandoned`: any other failure that waiting cannot fix (TLS, another 4xx, a name taken three times).
 */
export type LostReason =
  | 'shutdown-deadline'
  | 'forbidden'
  | 'namespace-gone'
  | 'namespace-terminating'
  | 'invalid'
  | 'rejected'
  | 'too-large'
  | 'unauthorized'
  | 'credentials'
  | 'connection-closed'
  | 'abandoned';

/** Every LostReason, in the order stats and reports list them. */
export const LOST_REASONS: readonly LostReason[] = [
  'shutdown-deadline',
  'forbidden',
  'namespace-gone',
  'namespace-terminating',
  'invalid',
  'rejected',
  'too-large',
  'unauthorized',
  'credentials',
  'connection-closed',
  'abandoned',
];

/** The series whose occurrences were lost: what users would look for in `kubectl describe`. */
export interface LostSeries {
  /** Kind of the regarding object, e.g. `Pod`. */
  kind: string;
  /** Namespace of the regarding object (empty for cluster-scoped objects). */
  namespace: string;
  /** Name of the regarding object. */
  name: string;
  /** The event's reason, e.g. `BackOff`. */
  reason: string;
  /** The Event's name and namespace on the server (it may not exist there). */
  eventName: string;
  eventNamespace: string;
}

/**
 * Occurrences that the Recorder had accepted are not on the server and never will be: the series'
 * write failed in a way waiting cannot fix (`forbidden`: RBAC; `invalid`: the apiserver rejected a
 * field; `abandoned`: any other permanent failure, e.g. TLS), or `close()` reached its deadline
 * (`shutdown-deadline`). Delivered to `onError` and counted in `stats().lost`; `cause` is the last
 * failure, when there was one.
 */
export class EventsLostError extends KubeEventsError {
  override name = 'EventsLostError';
  readonly reason: LostReason;
  /** How many occurrences of the series were lost. */
  readonly occurrences: number;
  readonly series: LostSeries;
  constructor(reason: LostReason, occurrences: number, series: LostSeries, options?: ErrorOptions) {
    const object = `${series.kind} ${series.namespace === '' ? '' : `${series.namespace}/`}${series.name}`;
    super(
      `${occurrences} occurrence(s) of ${series.reason} about ${object} lost (${reason}): ` +
        `not written to Event ${series.eventNamespace}/${series.eventName}${lostAdvice(reason)}`,
      options,
    );
    this.reason = reason;
    this.occurrences = occurrences;
    this.series = series;
  }
}

function lostAdvice(reason: LostReason): string {
  switch (reason) {
    case 'forbidden':
      return '; the identity needs create and patch on events (apiGroup events.k8s.io) in that namespace';
    case 'namespace-gone':
      return '; the namespace no longer exists';
    case 'namespace-terminating':
      return '; the namespace is being deleted';
    case 'invalid':
      return '; the apiserver rejected the Event (see cause)';
    case 'rejected':
      return '; an admission webhook denied it (see cause)';
    case 'too-large':
      return '; the Event is over the server size limit';
    case 'unauthorized':
      return '; the apiserver does not accept the credentials: renew them';
    case 'credentials':
      return '; no credentials could be obtained (see cause)';
    case 'connection-closed':
      return '; the connection was closed before the Recorder: close the Recorder first';
    case 'shutdown-deadline':
      return '; give close() a longer timeoutMs or stop sooner in a storm';
    case 'abandoned':
      return '; the failure (see cause) cannot be fixed by retrying';
  }
}

/** `flush()` reached its deadline with counts still in memory; they stay there and are retried. */
export class FlushTimeoutError extends KubeEventsError {
  override name = 'FlushTimeoutError';
  /** Series still behind the occurrences flush() was asked to write. */
  readonly pendingSeries: number;
  constructor(pendingSeries: number, timeoutMs: number) {
    super(
      `flush: ${pendingSeries} series not written within ${timeoutMs} ms; their counts stay in memory and are retried`,
    );
    this.pendingSeries = pendingSeries;
  }
}
