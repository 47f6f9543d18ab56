/**
 * The core/v1 Event operations (`/api/v1`), over the generated calls. Most consumers (the
 * OpenTelemetry Collector's k8s_events receiver, `kubectl get events --sort-by`) read this
 * view; only it can write `count`, `firstTimestamp`, `lastTimestamp` and `source`, which
 * events.k8s.io/v1 keeps unset. Errors, timeouts and the patch types behave as in EventsApi.
 */
import {
  CallDefaults,
  listQuery,
  PATCH_CONTENT_TYPES,
  resolveNamespace,
  type ApiConnection,
  type CallOptions,
  type EventRef,
  type ListOptions,
  type WatchOptions,
  type WriteOptions,
} from './events-api.ts';
import type { CoreEvent, CoreEventList, CoreEventMergePatch, JsonPatchOperation } from './types.ts';
import type { WatchEvent } from './watch.ts';

/** A patch of a core/v1 Event; the body type follows the patch type (no apply: a recorder never needs it). */
export type CorePatchRequest = WriteOptions &
  EventRef &
  (
    | { type: 'merge'; patch: CoreEventMergePatch }
    | { type: 'strategic-merge'; patch: CoreEventMergePatch }
    | { type: 'json'; patch: readonly JsonPatchOperation[] }
  );

/**
 * Typed access to core/v1 Events: create, read, list, patch and watch.
 * @example
 * ```ts
 * const events = await conn.coreEvents.list({ namespace: 'default', fieldSelector: 'involvedObject.name=web-0' });
 * ```
 */
export class CoreEventsApi {
  readonly #defaults: CallDefaults;

  constructor(connection: ApiConnection) {
    this.#defaults = new CallDefaults(connection);
  }

  /** Creates a core/v1 Event. @throws ApiError `AlreadyExists` (409), `Invalid` (422), `Forbidden` (403: needs `create` on `events` in apiGroup "") */
  async create(event: CoreEvent, options?: WriteOptions & { namespace?: string }): Promise<CoreEvent> {
    const namespace = resolveNamespace(event, options?.namespace);
    return this.#defaults.call('POST', options, (calls, common) =>
      calls.createCoreV1NamespacedEvent({
        ...common,
        path: { namespace },
        body: event,
        query: this.#defaults.writeQuery(options),
      }),
    );
  }

  /** Reads one Event. @throws ApiError `NotFound` (404) */
  read(ref: EventRef, options?: CallOptions): Promise<CoreEvent> {
    return this.#defaults.call('GET', options, (calls, common) =>
      calls.readCoreV1NamespacedEvent({ ...common, path: ref }),
    );
  }

  /** Lists the Events of one namespace (field selectors use `involvedObject.*`, `source`, `reason`, `type`). */
  list(options: ListOptions & { namespace: string }): Promise<CoreEventList> {
    return this.#defaults.call('GET', options, (calls, common) =>
      calls.listCoreV1NamespacedEvent({
        ...common,
        path: { namespace: options.namespace },
        query: listQuery(options),
      }),
    );
  }

  /** Lists the Events of all namespaces (needs cluster-wide `list`). */
  listForAllNamespaces(options?: ListOptions): Promise<CoreEventList> {
    return this.#defaults.call('GET', options, (calls, common) =>
      calls.listCoreV1EventForAllNamespaces({ ...common, query: listQuery(options ?? {}) }),
    );
  }

  /** Patches an Event; sent with the Content-Type of the patch type. @throws ApiError `NotFound` (404), `Invalid` (422, e.g. a failed JSON Patch `test`) */
  patch(request: CorePatchRequest): Promise<CoreEvent> {
    return this.#defaults.call('PATCH', request, (calls, common) =>
      calls.patchCoreV1NamespacedEvent({
        ...common,
        path: { namespace: request.namespace, name: request.name },
        // A readonly operation list is fine to send; the generated type just does not say readonly.
        body: request.patch as CoreEventMergePatch | JsonPatchOperation[],
        query: this.#defaults.writeQuery(request),
        headers: { 'Content-Type': PATCH_CONTENT_TYPES[request.type] },
      }),
    );
  }

  /** Streams changes to core/v1 Events (a list with `watch=true`), like EventsApi.watch. */
  watch(options: WatchOptions = {}): AsyncGenerator<WatchEvent<CoreEvent>, void, undefined> {
    return this.#defaults.watch<CoreEvent>(options, (calls, args) =>
      options.namespace === undefined
        ? calls.listCoreV1EventForAllNamespaces(args)
        : calls.listCoreV1NamespacedEvent({ ...args, path: { namespace: options.namespace } }),
    );
  }
}
