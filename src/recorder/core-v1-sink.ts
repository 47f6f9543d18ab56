/**
 * `legacyFields`: the Recorder's writes sent through core/v1 (`/api/v1`) instead of
 * events.k8s.io/v1, carrying the legacy fields too. events.k8s.io/v1 requires `count`,
 * `firstTimestamp`, `lastTimestamp` and `source` unset on create and immutable on update, so its
 * Events read through core/v1 as `count: null, lastTimestamp: null`; many consumers (the
 * OpenTelemetry Collector's k8s_events receiver, other core/v1 clients, `kubectl get events
 * --sort-by=.lastTimestamp`) read only those. core/v1 writes pass the legacy validation only, which
 * accepts both sets together.
 *
 * The translation sits under the SeriesWriter, so the series logic, its recoveries (404 re-create,
 * 409 claim with JSON Patch `test`, 422 rename) and the accounting are the same in both modes:
 * every body the writer builds is mapped field by field, and each write that sets `series` also
 * sets `count` and `lastTimestamp` in the same request.
 */
import type { CorePatchRequest } from '../core-events-api.ts';
import { ValidationError } from '../errors.ts';
import type { PatchRequest } from '../events-api.ts';
import type { CoreEvent, Event, EventMergePatch, JsonPatchOperation, MicroTime, Time } from '../types.ts';
import { formatTime, parseMicroTime } from '../micro-time.ts';
import type { EventSink } from './sink.ts';

/** The two core/v1 calls legacyFields needs; a connection's `coreEvents` provides them. */
export interface CoreEventSink {
  create(event: CoreEvent, options?: { namespace?: string; signal?: AbortSignal }): Promise<CoreEvent>;
  patch(request: CorePatchRequest): Promise<CoreEvent>;
}

/** events.k8s.io/v1 field → core/v1 field, where the names differ (JSON Pointer segments). */
const RENAMED: Readonly<Record<string, string>> = {
  regarding: 'involvedObject',
  note: 'message',
  reportingController: 'reportingComponent',
};

/** A MicroTime cut to the whole second (the format of `firstTimestamp` and `lastTimestamp`). */
function seconds(time: MicroTime): Time {
  return formatTime(parseMicroTime(time).epochMicroseconds * 1000n);
}

/** The core/v1 body of a create: the events.k8s.io fields under their core names, plus the legacy ones. */
export function toCoreEvent(event: Event): CoreEvent {
  const { apiVersion: _apiVersion, regarding, note, reportingController, ...same } = event;
  const lastObserved = event.series?.lastObservedTime ?? event.eventTime;
  return {
    ...same,
    apiVersion: 'v1',
    kind: 'Event',
    metadata: event.metadata ?? {},
    involvedObject: regarding ?? {},
    ...(note !== undefined ? { message: note } : {}),
    ...(reportingController !== undefined ? { reportingComponent: reportingController } : {}),
    // Time fields take whole seconds (RFC 3339 without a fraction); the count is the occurrences so far.
    count: event.series?.count ?? 1,
    firstTimestamp: seconds(event.eventTime),
    lastTimestamp: seconds(lastObserved),
    // kubectl reads FROM as source.component/host, falling back to reportingController/Instance:
    // the same pair, so both views agree.
    source: {
      ...(reportingController !== undefined ? { component: reportingController } : {}),
      ...(event.reportingInstance !== undefined ? { host: event.reportingInstance } : {}),
    },
  };
}

/** The events.k8s.io view of a core/v1 answer (the writer only needs it to type-check). */
export function fromCoreEvent(core: CoreEvent): Event {
  const { involvedObject, message, reportingComponent, series, eventTime, ...rest } = core;
  const { count: _c, firstTimestamp: _f, lastTimestamp: _l, source: _s, apiVersion: _a, ...same } = rest;
  const { count, lastObservedTime } = series ?? {};
  return {
    ...same,
    apiVersion: 'events.k8s.io/v1',
    eventTime: eventTime ?? ('' as MicroTime),
    regarding: involvedObject,
    ...(count !== undefined && lastObservedTime !== undefined ? { series: { count, lastObservedTime } } : {}),
    ...(message !== undefined ? { note: message } : {}),
    ...(reportingComponent !== undefined ? { reportingController: reportingComponent } : {}),
  };
}

/** A series write also moves `count` and `lastTimestamp`; other fields are renamed. */
export function toCoreMergePatch(patch: EventMergePatch): CoreEvent {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(patch)) out[RENAMED[field] ?? field] = value;
  const series = patch.series;
  if (series?.count != null && series.lastObservedTime != null) {
    out.count = series.count;
    out.lastTimestamp = seconds(series.lastObservedTime);
  }
  return out as CoreEvent;
}

function corePath(path: string): string {
  const [, first = '', ...rest] = path.split('/');
  return ['', RENAMED[first] ?? first, ...rest].join('/');
}

/** Paths renamed; an `add`/`replace` of `/series` also sets `/count` and `/lastTimestamp`. */
export function toCoreJsonPatch(operations: readonly JsonPatchOperation[]): JsonPatchOperation[] {
  const out: JsonPatchOperation[] = [];
  for (const operation of operations) {
    const renamed: JsonPatchOperation = { ...operation, path: corePath(operation.path) };
    if ('from' in renamed) renamed.from = corePath(renamed.from);
    out.push(renamed);
    if ((operation.op === 'add' || operation.op === 'replace') && operation.path === '/series') {
      const series = operation.value as { count: number; lastObservedTime: MicroTime };
      out.push({ op: 'add', path: '/count', value: series.count });
      out.push({ op: 'add', path: '/lastTimestamp', value: seconds(series.lastObservedTime) });
    }
  }
  return out;
}

/** The Recorder's EventSink over core/v1 calls. */
export function coreV1Sink(core: CoreEventSink): EventSink {
  return {
    create: async (event, options) => fromCoreEvent(await core.create(toCoreEvent(event), options)),
    patch: async (request: PatchRequest) => {
      const { patch: _patch, type, ...common } = request;
      let translated: CorePatchRequest;
      if (request.type === 'json') translated = { ...common, type: 'json', patch: toCoreJsonPatch(request.patch) };
      else if (request.type === 'merge' || request.type === 'strategic-merge')
        translated = { ...common, type: request.type, patch: toCoreMergePatch(request.patch) };
      else throw new ValidationError('patch.type', `legacyFields: a ${type} patch has no core/v1 form here`);
      return fromCoreEvent(await core.patch(translated));
    },
  };
}
