/**
 * A simulated kube-apiserver behind the Recorder's EventSink, on a ManualClock, with the semantics
 * the Recorder relies on: 409 on a taken name, 404 on a missing Event, 422 on a failed JSON Patch
 * `test` or a series count below 2, Events expiring `ttlMs` after their last write, Events deleted
 * by someone else, and faults: outages, 429 with and without Retry-After, 500/503, resets before
 * the request is sent and after the server applied it, timeouts (applied or not), 403 spells.
 * It keeps the history the invariant checker needs: the highest count ever stored under each name.
 *
 * It speaks events.k8s.io/v1 (as an EventSink) or core/v1 (`coreSink`, for `legacyFields`): in
 * core/v1 the count that counts is the legacy `count` consumers read, and every stored Event must
 * agree with itself (`count` = `series.count`, `lastTimestamp` = `series.lastObservedTime` to the
 * second), else `inconsistencies` says which write broke it.
 */
import { AbortedError, ApiError, NetworkError, TimeoutError } from '../../src/errors.ts';
import type { CorePatchRequest } from '../../src/core-events-api.ts';
import type { PatchRequest } from '../../src/events-api.ts';
import type { ManualClock } from '../../src/recorder/clock.ts';
import type { CoreEventSink } from '../../src/recorder/core-v1-sink.ts';
import type { EventSink } from '../../src/recorder/sink.ts';
import type { CoreEvent, Event, JsonPatchOperation } from '../../src/types.ts';
import type { Random } from './random.ts';

export type FaultKind = 'outage' | 'throttle' | 'errors' | 'forbidden' | 'reset-after-apply' | 'timeouts';

/** From `startMs` to `endMs` (offsets from the run's start), requests meet `kind` with probability `p`. */
export interface FaultWindow {
  kind: FaultKind;
  startMs: number;
  endMs: number;
  p: number;
  /** For `throttle`: the Retry-After sent, if any. */
  retryAfterSeconds?: number | undefined;
}

export interface SimServerConfig {
  ttlMs: number;
  latencyMs: { min: number; max: number };
  windows: FaultWindow[];
  /** Per-request probability of a fault outside any window (each kind drawn alike). */
  backgroundFaultP: number;
  /** Per-create probability that someone else's Event already holds the name. */
  collisionP: number;
  /** Offsets at which someone else deletes one of our Events. */
  foreignDeletesMs: number[];
}

/**
 * What the server stored for one series of ours: every Event it wrote, under one name or, after a
 * name collision, several (a series keeps its `eventTime`; a re-creation carries the whole count).
 */
export interface StoredHistory {
  key: string;
  maxCount: number;
  /** The last write that stored a count was never acknowledged to the client. */
  unacked: boolean;
  names: Set<string>;
}

/** How the sink answered each request, for the trace. */
export type TraceFn = (line: string) => void;

const CLIENT_TIMEOUT_MS = 30_000;

function apiError(method: string, status: number, reason: string, retryAfterSeconds?: number): ApiError {
  return new ApiError({
    status,
    reason,
    serverMessage: reason,
    causes: [],
    retryAfterSeconds,
    method,
    url: 'sim',
    statusObject: undefined,
  });
}

/** An Event as stored, in the API version it was written through. */
type Stored = Event | CoreEvent;

const FOREIGN = 'someone.else/controller';

function isCore(event: Stored): event is CoreEvent {
  return 'involvedObject' in event;
}

/** The series key of a stored Event as the simulation names it: `<regarding name>/<reason>`. */
export function simKey(event: Stored): string {
  const regarding = isCore(event) ? event.involvedObject : event.regarding;
  return `${regarding?.name ?? ''}/${event.reason ?? ''}`;
}

/** The count a reader sees: `series.count` in events.k8s.io, the legacy `count` in core/v1. */
function countOf(event: Stored): number {
  return isCore(event) ? (event.count ?? 0) : (event.series?.count ?? 1);
}

function controllerOf(event: Stored): string | undefined {
  return isCore(event) ? event.reportingComponent : event.reportingController;
}

/** What is wrong with a core/v1 Event whose legacy fields disagree with its series. */
function coreInconsistency(event: CoreEvent): string | undefined {
  const expected = event.series?.count ?? 1;
  if (event.count !== expected) return `count ${String(event.count)} but series.count ${expected}`;
  const last = event.series?.lastObservedTime ?? event.eventTime ?? '';
  if (event.lastTimestamp !== `${last.slice(0, 19)}Z`)
    return `lastTimestamp ${String(event.lastTimestamp)} for ${last}`;
  return undefined;
}

function applyJsonPatch(event: Stored, operations: readonly JsonPatchOperation[], method: string): void {
  for (const op of operations) {
    const segments = op.path.split('/').slice(1);
    let target: unknown = event;
    for (const segment of segments.slice(0, -1)) target = (target as Record<string, unknown> | undefined)?.[segment];
    const holder = target as Record<string, unknown> | undefined;
    const last = segments.at(-1) ?? '';
    if (op.op === 'test' && holder?.[last] !== op.value) throw apiError(method, 422, 'Invalid');
    if (op.op === 'add' && holder !== undefined) holder[last] = op.value;
  }
}

export class SimApiserver implements EventSink {
  readonly events = new Map<string, { event: Stored; lastWriteMs: number }>();
  /** core/v1 writes that left an Event whose legacy fields disagree with its series. */
  readonly inconsistencies: string[] = [];
  /** Per series of ours (`<key>@<eventTime>`). */
  readonly history = new Map<string, StoredHistory>();
  /** The series each name of ours belongs to. */
  readonly #seriesOfName = new Map<string, string>();
  readonly #clock: ManualClock;
  readonly #config: SimServerConfig;
  readonly #random: Random;
  readonly #startMs: number;
  readonly #trace: TraceFn;
  #deletesDone = 0;
  #requests = 0;

  constructor(clock: ManualClock, config: SimServerConfig, random: Random, trace: TraceFn) {
    this.#clock = clock;
    this.#config = config;
    this.#random = random;
    this.#startMs = clock.now();
    this.#trace = trace;
  }

  /** Per key: the counts the server held, summed over series of ours (expired or deleted ones included). */
  countsByKey(): Map<string, { count: number; unacked: boolean; series: number }> {
    const out = new Map<string, { count: number; unacked: boolean; series: number }>();
    for (const stored of this.history.values()) {
      const entry = out.get(stored.key) ?? { count: 0, unacked: false, series: 0 };
      entry.count += stored.maxCount;
      entry.unacked ||= stored.unacked;
      entry.series += 1;
      out.set(stored.key, entry);
    }
    return out;
  }

  /** The count currently stored under `name` (undefined when there is no such Event). */
  stored(namespace: string, name: string): number | undefined {
    const found = this.events.get(`${namespace}/${name}`);
    return found === undefined ? undefined : countOf(found.event);
  }

  create(event: Event, options?: { signal?: AbortSignal }): Promise<Event> {
    return this.#create(event, options?.signal);
  }

  patch(request: PatchRequest): Promise<Event> {
    if (request.type !== 'merge' && request.type !== 'json') throw new Error(`sim: no ${request.type} patch`);
    return this.#patch(request);
  }

  /** The same server through core/v1 (`/api/v1`), as `legacyFields` writes it. */
  readonly coreSink: CoreEventSink = {
    create: (event, options) => this.#create(event, options?.signal),
    patch: (request) => {
      if (request.type !== 'merge' && request.type !== 'json') throw new Error(`sim: no ${request.type} patch`);
      return this.#patch(request);
    },
  };

  #create<E extends Stored>(event: E, signal: AbortSignal | undefined): Promise<E> {
    const name = event.metadata?.name ?? '';
    const namespace = event.metadata?.namespace ?? '';
    const id = `${namespace}/${name}`;
    const method = 'POST';
    return this.#request(`POST ${name} count=${countOf(event)}`, id, signal, () => {
      if (!this.events.has(id) && this.#random.float() < this.#config.collisionP) {
        const foreign: Stored = isCore(event)
          ? { ...event, reportingComponent: FOREIGN, series: undefined, count: 1 }
          : { ...event, reportingController: FOREIGN, series: undefined };
        this.events.set(id, { event: foreign, lastWriteMs: this.#clock.now() });
        this.#trace(`  server: someone else created ${name}`);
      }
      if (this.events.has(id)) throw apiError(method, 409, 'AlreadyExists');
      // events.k8s.io/v1 requires count ≥ 2 in a series; core/v1 (legacy validation) does not check it.
      if (!isCore(event) && event.series !== undefined && event.series.count < 2)
        throw apiError(method, 422, 'Invalid');
      this.#store(id, structuredClone(event), 'POST');
      return event;
    });
  }

  #patch<E extends Stored>(
    request: (PatchRequest | CorePatchRequest) &
      ({ type: 'merge'; patch: object } | { type: 'json'; patch: readonly JsonPatchOperation[] }),
  ): Promise<E> {
    const id = `${request.namespace}/${request.name}`;
    const method = 'PATCH';
    const what =
      request.type === 'merge'
        ? `count=${(request.patch as { series?: { count?: number } }).series?.count ?? '?'}`
        : 'claim';
    return this.#request(`PATCH(${request.type}) ${request.name} ${what}`, id, request.signal, () => {
      const found = this.events.get(id);
      if (found === undefined) throw apiError(method, 404, 'NotFound');
      const event = structuredClone(found.event);
      if (request.type === 'merge') Object.assign(event, request.patch);
      else applyJsonPatch(event, request.patch, method);
      if (!isCore(event) && event.series !== undefined && event.series.count < 2)
        throw apiError(method, 422, 'Invalid');
      this.#store(id, event, `PATCH(${request.type})`);
      return event as E;
    });
  }

  /** Expiry and foreign deletions due by now. */
  housekeep(): void {
    const now = this.#clock.now();
    for (const [id, { lastWriteMs }] of this.events) {
      if (now - lastWriteMs >= this.#config.ttlMs) {
        this.events.delete(id);
        this.#trace(`  server: ${id} expired`);
      }
    }
    const deletes = this.#config.foreignDeletesMs;
    while (this.#deletesDone < deletes.length && (deletes[this.#deletesDone] ?? Infinity) <= now - this.#startMs) {
      this.#deletesDone += 1;
      const ours = [...this.events.keys()].filter((id) => this.#seriesOfName.has(id));
      const victim = ours[this.#random.int(0, ours.length - 1)];
      if (victim !== undefined) {
        this.events.delete(victim);
        this.#trace(`  server: someone deleted ${victim}`);
      }
    }
  }

  #store(id: string, event: Stored, write: string): void {
    this.events.set(id, { event, lastWriteMs: this.#clock.now() });
    if (controllerOf(event) === FOREIGN) return;
    const inconsistent = isCore(event) ? coreInconsistency(event) : undefined;
    if (inconsistent !== undefined) this.inconsistencies.push(`${write} ${id}: ${inconsistent}`);
    const seriesId = `${simKey(event)}@${event.eventTime ?? ''}`;
    this.#seriesOfName.set(id, seriesId);
    const stored = this.history.get(seriesId) ?? { key: simKey(event), maxCount: 0, unacked: true, names: new Set() };
    stored.maxCount = Math.max(stored.maxCount, countOf(event));
    stored.unacked = true;
    stored.names.add(id);
    this.history.set(seriesId, stored);
  }

  #fault(): { kind: FaultKind; retryAfterSeconds?: number | undefined } | undefined {
    const offset = this.#clock.now() - this.#startMs;
    for (const window of this.#config.windows) {
      if (offset >= window.startMs && offset < window.endMs && this.#random.float() < window.p) return window;
    }
    if (this.#random.float() >= this.#config.backgroundFaultP) return undefined;
    const kinds: FaultKind[] = ['outage', 'throttle', 'errors', 'reset-after-apply', 'timeouts'];
    const kind = kinds[this.#random.int(0, kinds.length - 1)] ?? 'errors';
    return kind === 'throttle' ? { kind, retryAfterSeconds: this.#random.float() < 0.5 ? 1 : undefined } : { kind };
  }

  /**
   * One request: it reaches the server after half the latency, where `apply` runs unless a fault
   * stops it, and its answer comes back after the other half. An abort rejects at once; what the
   * server did stays done.
   */
  #request<E>(label: string, id: string, signal: AbortSignal | undefined, apply: () => E): Promise<E> {
    const n = ++this.#requests;
    const method = label.startsWith('POST') ? 'POST' : 'PATCH';
    const { min, max } = this.#config.latencyMs;
    const latency = this.#random.int(min, max);
    const fault = this.#fault();
    this.#trace(`#${n} ${label}${fault !== undefined ? ` [${fault.kind}]` : ''}`);
    return new Promise<E>((resolve, reject) => {
      const timers: unknown[] = [];
      const later = (ms: number, fn: () => void): void => void timers.push(this.#clock.setTimeout(fn, ms));
      const settle = (outcome: () => void): void => {
        for (const timer of timers) this.#clock.clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        outcome();
      };
      const fail = (error: Error): void => {
        this.#trace(`  #${n} -> ${error.name}${error instanceof ApiError ? ` ${error.status}` : ''}`);
        settle(() => reject(error));
      };
      const onAbort = (): void => fail(new AbortedError('X', 'sim', 'aborted by the caller'));
      if (signal?.aborted === true) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      if (fault?.kind === 'outage') {
        later(latency, () => fail(new NetworkError('X', 'sim', 'connect ECONNREFUSED (not sent)')));
        return;
      }
      later(latency / 2, () => {
        this.housekeep();
        if (fault?.kind === 'throttle') return fail(apiError(method, 429, 'TooManyRequests', fault.retryAfterSeconds));
        if (fault?.kind === 'errors')
          return fail(apiError(method, this.#random.float() < 0.5 ? 500 : 503, 'InternalError'));
        if (fault?.kind === 'forbidden') return fail(apiError(method, 403, 'Forbidden'));
        let result: E;
        try {
          const applyIt = fault?.kind !== 'timeouts' || this.#random.float() < 0.5;
          if (!applyIt) {
            later(CLIENT_TIMEOUT_MS, () => fail(new TimeoutError('X', 'sim', 'no answer (not applied)')));
            return;
          }
          result = apply();
        } catch (error) {
          later(latency / 2, () => fail(error as Error));
          return;
        }
        if (fault?.kind === 'reset-after-apply')
          return later(latency / 2, () => fail(new NetworkError('X', 'sim', 'ECONNRESET after apply')));
        if (fault?.kind === 'timeouts')
          return later(CLIENT_TIMEOUT_MS, () => fail(new TimeoutError('X', 'sim', 'no answer (applied)')));
        later(latency / 2, () => {
          this.#ack(id);
          this.#trace(`  #${n} -> ok`);
          settle(() => resolve(result));
        });
      });
    });
  }

  /** The client learned the outcome of the write it made under `id`. */
  #ack(id: string): void {
    const stored = this.history.get(this.#seriesOfName.get(id) ?? '');
    if (stored !== undefined) stored.unacked = false;
  }
}
