/**
 * The events.k8s.io/v1 operations every caller needs, over the generated calls. The only module
 * (with types.ts) that imports src/generated, and that on the first call (see loadGenerated);
 * every call passes its own client, never the generated global one.
 */
import type { KyInstance } from 'ky';
import type { Client } from './generated/client/index.ts';
import {
  AbortedError,
  ApiError,
  KubeEventsError,
  NetworkError,
  ResourceExpiredError,
  TimeoutError,
  ValidationError,
} from './errors.ts';
import type {
  DeleteOptions,
  Event,
  EventApplyConfiguration,
  EventList,
  EventMergePatch,
  JsonPatchOperation,
  Status,
} from './types.ts';
import { decodeWatchStream, type WatchEvent } from './watch.ts';

/** Where and how to send requests. The connection layer builds one from a kubeconfig. */
export interface ApiConnection {
  /** The apiserver's URL, e.g. `https://127.0.0.1:6443`. */
  baseUrl: string;
  /** The ky instance carrying TLS, auth and hooks. @default ky's default instance */
  ky?: KyInstance;
  /** `fieldManager` sent with every write unless a call names another. @default 'kube-events' */
  fieldManager?: string;
  /** Default timeout of a call in ms. @default 30000 */
  timeoutMs?: number;
}

/** Options every call takes. */
export interface CallOptions {
  /** Stops the request; the call then rejects with {@link AbortedError}. */
  signal?: AbortSignal;
  /** Fails the call with {@link TimeoutError} after this many milliseconds. @default 30000 */
  timeoutMs?: number;
}

/** Options of writes. */
export interface WriteOptions extends CallOptions {
  /** Validate and answer without storing (`dryRun=All`). */
  dryRun?: boolean;
  /** Overrides the connection's field manager. */
  fieldManager?: string;
  /** How the server treats unknown or duplicate fields. @default server default ('Warn') */
  fieldValidation?: 'Ignore' | 'Warn' | 'Strict';
}

export interface EventRef {
  namespace: string;
  name: string;
}

/** Selectors and paging of list calls. */
export interface ListOptions extends CallOptions {
  labelSelector?: string;
  /** e.g. `regarding.name=web-0,type=Warning`. */
  fieldSelector?: string;
  /** Page size; continue with `metadata.continue` of the result. */
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

export interface WatchOptions {
  /** Watch one namespace; all namespaces when absent. */
  namespace?: string;
  /** Resume after this resourceVersion (e.g. of a list, or of the last event seen). */
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Ask for BOOKMARK events that carry the current resourceVersion. @default true */
  allowWatchBookmarks?: boolean;
  /** The server closes the watch after this many seconds (iteration then ends). */
  timeoutSeconds?: number;
  /** Ends the iteration quietly. */
  signal?: AbortSignal;
}

interface PatchCommon extends WriteOptions, EventRef {}

/** A patch, its type and a body of the matching shape; sent with the matching Content-Type. */
export type PatchRequest = PatchCommon &
  (
    | { type: 'merge'; patch: EventMergePatch }
    | { type: 'strategic-merge'; patch: EventMergePatch }
    | { type: 'json'; patch: readonly JsonPatchOperation[] }
    | { type: 'apply'; patch: EventApplyConfiguration; fieldManager: string; force?: boolean }
  );

export type PatchType = PatchRequest['type'];

/** Content-Type per patch type (the media types the spec lists for PATCH). */
export const PATCH_CONTENT_TYPES: Readonly<Record<PatchType, string>> = {
  merge: 'application/merge-patch+json',
  'strategic-merge': 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

export const DEFAULT_FIELD_MANAGER = 'kube-events';
export const DEFAULT_TIMEOUT_MS = 30_000;

export interface GeneratedResult<T> {
  data?: T;
  error?: unknown;
  request?: Request;
  response?: Response;
}

function retryAfter(response: Response, status: Status | undefined): number | undefined {
  const header = response.headers.get('Retry-After');
  if (header !== null && /^\d+$/.test(header.trim())) return Number(header.trim());
  return status?.details?.retryAfterSeconds;
}

function isStatus(value: unknown): value is Status {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'Status';
}

/** Turns a non-2xx answer into an ApiError (410 into ResourceExpiredError). */
export function apiErrorFromResponse(method: string, url: string, response: Response, body: unknown): ApiError {
  const statusObject = isStatus(body) ? body : undefined;
  const text = typeof body === 'string' ? body.trim() : '';
  const details = {
    status: response.status,
    reason: statusObject?.reason ?? (response.statusText || `HTTP${response.status}`),
    serverMessage: statusObject?.message ?? (text !== '' ? text.slice(0, 500) : response.statusText),
    causes: statusObject?.details?.causes ?? [],
    retryAfterSeconds: retryAfter(response, statusObject),
    method,
    url,
    statusObject,
  };
  return response.status === 410 ? new ResourceExpiredError(details) : new ApiError(details);
}

/** The system error code (ECONNREFUSED, ECONNRESET, CERT_HAS_EXPIRED …) under fetch's wrappers. */
function rootCauseCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof code === 'string') return code;
    current = cause;
  }
  return undefined;
}

/** Runs one generated call and turns its failures into typed errors (shared by the core/v1 API). */
export async function callApi<T>(
  method: string,
  signal: AbortSignal | undefined,
  run: () => Promise<GeneratedResult<T>>,
): Promise<T> {
  let result: GeneratedResult<T>;
  try {
    result = await run();
  } catch (error) {
    throw transportError(method, '(request not sent)', error, signal);
  }
  const url = result.request?.url ?? result.response?.url ?? '(unknown URL)';
  if (result.response === undefined) throw transportError(method, url, result.error, signal);
  if (!result.response.ok || result.error !== undefined) {
    throw apiErrorFromResponse(method, url, result.response, result.error);
  }
  return result.data as T;
}

function transportError(method: string, url: string, error: unknown, signal: AbortSignal | undefined): Error {
  // The connection's fetch already throws typed errors (TLS, network after retries).
  if (error instanceof KubeEventsError && !(error instanceof AbortedError)) return error;
  const err = error as { name?: string; message?: string };
  if (signal?.aborted === true || err.name === 'AbortError') {
    return new AbortedError(method, url, 'aborted by the caller', { cause: error });
  }
  if (err.name === 'TimeoutError')
    return new TimeoutError(method, url, 'no answer before the timeout', { cause: error });
  const detail = rootCauseCode(error) ?? err.message ?? String(error);
  return new NetworkError(method, url, `cannot reach the apiserver (${detail})`, { cause: error });
}

/** The generated calls (src/generated/sdk.gen.ts). */
export type GeneratedCalls = typeof import('./generated/sdk.gen.ts');

let generatedModules:
  Promise<{ calls: GeneratedCalls; clients: typeof import('./generated/client/index.ts') }> | undefined;

/**
 * The generated calls and their ky client, imported on the first call rather than with the
 * package: ky builds a `Request` when it loads, and that loads Node's bundled fetch stack (60–85 ms
 * and 18 MiB on Node 24, bench/import-cost.ts), which a process that imports kube-events for its
 * types, its `FakeRecorder` or a sink of its own never needs.
 */
function loadGenerated(): NonNullable<typeof generatedModules> {
  generatedModules ??= Promise.all([import('./generated/sdk.gen.ts'), import('./generated/client/index.ts')]).then(
    ([calls, clients]) => ({ calls, clients }),
  );
  return generatedModules;
}

/** Client, timeout and signal of one generated call. */
export interface CallCommon {
  client: Client;
  timeout: number;
  signal?: AbortSignal;
}

/**
 * What every generated call of a connection gets: its own client (never the generated global one),
 * the connection's timeout and field manager. Shared by EventsApi and CoreEventsApi.
 */
export class CallDefaults {
  readonly #connection: ApiConnection;
  readonly #fieldManager: string;
  readonly #timeoutMs: number;
  #client: Client | undefined;

  constructor(connection: ApiConnection) {
    this.#connection = connection;
    this.#fieldManager = connection.fieldManager ?? DEFAULT_FIELD_MANAGER;
    this.#timeoutMs = connection.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** The generated calls and this connection's client (made on the first call). */
  async load(): Promise<{ calls: GeneratedCalls; client: Client }> {
    const { calls, clients } = await loadGenerated();
    this.#client ??= clients.createClient(
      clients.createConfig({
        baseUrl: this.#connection.baseUrl.replace(/\/+$/, ''),
        ...(this.#connection.ky !== undefined ? { ky: this.#connection.ky } : {}),
        // Retries belong to the connection's ky instance; the generated client's own default (2) is off.
        retry: 0,
      }),
    );
    return { calls, client: this.#client };
  }

  /**
   * Runs one generated call with this connection's client, the call's timeout (else the
   * connection's) and signal; failures become typed errors (see {@link callApi}).
   */
  call<T>(
    method: string,
    options: CallOptions | undefined,
    run: (calls: GeneratedCalls, common: CallCommon) => Promise<GeneratedResult<T>>,
  ): Promise<T> {
    return callApi(method, options?.signal, async () => {
      const { calls, client } = await this.load();
      const common: CallCommon = {
        client,
        timeout: options?.timeoutMs ?? this.#timeoutMs,
        ...(options?.signal !== undefined ? { signal: options.signal } : {}),
      };
      return run(calls, common);
    });
  }

  /** The query of a write: field manager (the call's, else the connection's), dry run, field validation. */
  writeQuery(options: WriteOptions | undefined, fieldManager?: string) {
    return {
      fieldManager: fieldManager ?? options?.fieldManager ?? this.#fieldManager,
      ...(options?.dryRun === true ? { dryRun: 'All' } : {}),
      ...(options?.fieldValidation !== undefined ? { fieldValidation: options.fieldValidation } : {}),
    };
  }

  /**
   * A watch: `list` (the all-namespaces or the namespaced list call of one API group) with
   * `watch=true` and no client-side timeout, decoded as it streams. An abort ends it quietly.
   */
  async *watch<T>(
    options: WatchOptions,
    list: (calls: GeneratedCalls, args: WatchCallArgs) => Promise<GeneratedResult<unknown>>,
  ): AsyncGenerator<WatchEvent<T>, void, undefined> {
    let url = '(watch)';
    let body: ReadableStream<Uint8Array>;
    try {
      body = await callApi('GET', options.signal, async () => {
        const { calls, client } = await this.load();
        const result = await list(calls, {
          client,
          // A watch lasts as long as the caller wants.
          timeout: false,
          parseAs: 'stream',
          ...(options.signal !== undefined ? { signal: options.signal } : {}),
          query: {
            watch: true,
            allowWatchBookmarks: options.allowWatchBookmarks ?? true,
            ...listQuery(options),
            ...(options.timeoutSeconds !== undefined ? { timeoutSeconds: options.timeoutSeconds } : {}),
          },
        });
        url = result.request?.url ?? url;
        return result as GeneratedResult<ReadableStream<Uint8Array>>;
      });
    } catch (error) {
      if (error instanceof AbortedError) return;
      throw error;
    }
    yield* decodeWatchStream<T>(body, { url, signal: options.signal });
  }
}

/** What a watch passes to a generated list call (plus `path` for a namespaced one). */
export interface WatchCallArgs {
  client: Client;
  timeout: false;
  parseAs: 'stream';
  signal?: AbortSignal;
  query: {
    watch: true;
    allowWatchBookmarks: boolean;
    labelSelector?: string;
    fieldSelector?: string;
    resourceVersion?: string;
    timeoutSeconds?: number;
  };
}

/**
 * Typed access to `events.k8s.io/v1` Events.
 *
 * @example
 * ```ts
 * const api = new EventsApi({ baseUrl: 'https://127.0.0.1:6443', ky: myKy });
 * const events = await api.list({ namespace: 'default', fieldSelector: 'regarding.name=web-0' });
 * ```
 */
export class EventsApi {
  readonly #defaults: CallDefaults;

  constructor(connection: ApiConnection) {
    this.#defaults = new CallDefaults(connection);
  }

  /**
   * Creates an Event in `event.metadata.namespace` (or `options.namespace`).
   * @throws ApiError `AlreadyExists` (409) when the name is taken, `Invalid` (422) for a rejected field
   */
  async create(event: Event, options?: WriteOptions & { namespace?: string }): Promise<Event> {
    const namespace = resolveNamespace(event, options?.namespace);
    return this.#defaults.call('POST', options, (calls, common) =>
      calls.createEventsV1NamespacedEvent({
        ...common,
        path: { namespace },
        body: event,
        query: this.#defaults.writeQuery(options),
      }),
    );
  }

  /** Reads one Event. @throws ApiError `NotFound` (404) */
  read(ref: EventRef, options?: CallOptions): Promise<Event> {
    return this.#defaults.call('GET', options, (calls, common) =>
      calls.readEventsV1NamespacedEvent({ ...common, path: ref }),
    );
  }

  /** Lists the Events of one namespace. */
  list(options: ListOptions & { namespace: string }): Promise<EventList> {
    return this.#defaults.call('GET', options, (calls, common) =>
      calls.listEventsV1NamespacedEvent({
        ...common,
        path: { namespace: options.namespace },
        query: listQuery(options),
      }),
    );
  }

  /** Lists the Events of all namespaces (needs cluster-wide `list`). */
  listForAllNamespaces(options?: ListOptions): Promise<EventList> {
    return this.#defaults.call('GET', options, (calls, common) =>
      calls.listEventsV1EventForAllNamespaces({ ...common, query: listQuery(options ?? {}) }),
    );
  }

  /**
   * Patches an Event with the chosen patch type; the body type follows the patch type.
   * @example
   * ```ts
   * await api.patch({ namespace: 'default', name, type: 'merge', patch: { series: { count: 2, lastObservedTime: microTimeNow() } } });
   * ```
   */
  patch(request: PatchRequest): Promise<Event> {
    const query = {
      ...this.#defaults.writeQuery(request, request.fieldManager),
      ...(request.type === 'apply' && request.force === true ? { force: true } : {}),
    };
    return this.#defaults.call('PATCH', request, (calls, common) =>
      calls.patchEventsV1NamespacedEvent({
        ...common,
        path: { namespace: request.namespace, name: request.name },
        // A readonly operation list is fine to send; the generated type just does not say readonly.
        body: request.patch as EventMergePatch | JsonPatchOperation[],
        query,
        headers: { 'Content-Type': PATCH_CONTENT_TYPES[request.type] },
      }),
    );
  }

  /** Replaces an Event whole (its `metadata.resourceVersion` makes it conditional). @throws ApiError `Conflict` (409) */
  async replace(event: Event, options?: WriteOptions): Promise<Event> {
    const namespace = resolveNamespace(event, undefined);
    const name = event.metadata?.name;
    if (name === undefined || name === '') throw new ValidationError('metadata.name', 'required to replace an Event');
    return this.#defaults.call('PUT', options, (calls, common) =>
      calls.replaceEventsV1NamespacedEvent({
        ...common,
        path: { namespace, name },
        body: event,
        query: this.#defaults.writeQuery(options),
      }),
    );
  }

  /** Deletes one Event. @throws ApiError `NotFound` (404) */
  delete(ref: EventRef, options?: CallOptions & { dryRun?: boolean; body?: DeleteOptions }): Promise<Status> {
    return this.#defaults.call('DELETE', options, (calls, common) =>
      calls.deleteEventsV1NamespacedEvent({
        ...common,
        path: ref,
        ...(options?.dryRun === true ? { query: { dryRun: 'All' } } : {}),
        ...(options?.body !== undefined ? { body: options.body } : {}),
      }),
    );
  }

  /** Deletes the Events of a namespace that match the selectors (all of them when none is given). */
  deleteCollection(
    options: CallOptions & { namespace: string; labelSelector?: string; fieldSelector?: string; dryRun?: boolean },
  ): Promise<Status> {
    return this.#defaults.call('DELETE', options, (calls, common) =>
      calls.deleteEventsV1CollectionNamespacedEvent({
        ...common,
        path: { namespace: options.namespace },
        query: {
          ...(options.labelSelector !== undefined ? { labelSelector: options.labelSelector } : {}),
          ...(options.fieldSelector !== undefined ? { fieldSelector: options.fieldSelector } : {}),
          ...(options.dryRun === true ? { dryRun: 'All' } : {}),
        },
      }),
    );
  }

  /**
   * Streams changes to Events as they happen (a list with `watch=true`). Resume after a dropped
   * connection from the resourceVersion of the last event or bookmark; a
   * {@link ResourceExpiredError} means that version is gone: list again and watch from the list.
   * @example
   * ```ts
   * for await (const change of api.watch({ namespace: 'default', signal })) console.log(change.type, change.object);
   * ```
   */
  watch(options: WatchOptions = {}): AsyncGenerator<WatchEvent, void, undefined> {
    return this.#defaults.watch<Event>(options, (calls, args) =>
      options.namespace === undefined
        ? calls.listEventsV1EventForAllNamespaces(args)
        : calls.listEventsV1NamespacedEvent({ ...args, path: { namespace: options.namespace } }),
    );
  }
}

export function resolveNamespace(event: { metadata?: { namespace?: string } }, given: string | undefined): string {
  const own = event.metadata?.namespace;
  if (own !== undefined && given !== undefined && own !== given) {
    throw new ValidationError('metadata.namespace', `"${own}" differs from the namespace option "${given}"`);
  }
  const namespace = own ?? given;
  if (namespace === undefined || namespace === '') {
    throw new ValidationError('metadata.namespace', 'required: set it on the Event or pass the namespace option');
  }
  return namespace;
}

export function listQuery(options: ListOptions) {
  return {
    ...(options.labelSelector !== undefined ? { labelSelector: options.labelSelector } : {}),
    ...(options.fieldSelector !== undefined ? { fieldSelector: options.fieldSelector } : {}),
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
    ...(options.continue !== undefined ? { continue: options.continue } : {}),
    ...(options.resourceVersion !== undefined ? { resourceVersion: options.resourceVersion } : {}),
    ...(options.resourceVersionMatch !== undefined ? { resourceVersionMatch: options.resourceVersionMatch } : {}),
  };
}
