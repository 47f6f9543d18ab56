/**
 * A simulated kube-apiserver behind the Recorder's EventSink, on a ManualClock, with the semantics
 * the Recorder relies on: 409 on a taken name, 404 on a missing Event, 422 on a failed JSON Patch
 * `test` or a series count below 2, Events expiring `ttlMs` after their last write, Events deleted
 * by someone else, and faults: outages, 429 with and without Retry-After, 500/503, resets before
 * the request is sent and after the server applied it, timeouts (applied or not), 403 spells.
 * It keeps the history the invariant checker needs: the highest count ever stored under each name.
 */
import { AbortedError, ApiError, NetworkError, TimeoutError } from '../../src/errors.ts';
import type { PatchRequest } from '../../src/events-api.ts';
import type { ManualClock } from '../../src/recorder/clock.ts';
import type { EventSink } from '../../src/recorder/sink.ts';
import type { Event } from '../../src/types.ts';
import { applyPatch } from '../helpers/apply-patch.ts';
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

/** The series key of a stored Event as the simulation names it: `<regarding name>/<reason>`. */
export function simKey(event: Event): string {
  return `${event.regarding?.name ?? ''}/${event.reason ?? ''}`;
}

function countOf(event: Event): number {
  return event.series?.count ?? 1;
}

export class SimApiserver implements EventSink {
  readonly events = new Map<string, { event: Event; lastWriteMs: number }>();
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
    const name = event.metadata?.name ?? '';
    const namespace = event.metadata?.namespace ?? '';
    const id = `${namespace}/${name}`;
    const method = 'POST';
    return this.#request(`POST ${name} count=${countOf(event)}`, id, options?.signal, () => {
      if (!this.events.has(id) && this.#random.float() < this.#config.collisionP) {
        const foreign: Event = { ...event, reportingController: 'someone.else/controller', series: undefined };
        this.events.set(id, { event: foreign, lastWriteMs: this.#clock.now() });
        this.#trace(`  server: someone else created ${name}`);
      }
      if (this.events.has(id)) throw apiError(method, 409, 'AlreadyExists');
      if (event.series !== undefined && event.series.count < 2) throw apiError(method, 422, 'Invalid');
      this.#store(id, structuredClone(event));
      return event;
    });
  }

  patch(request: PatchRequest): Promise<Event> {
    const id = `${request.namespace}/${request.name}`;
    const method = 'PATCH';
    const what = request.type === 'merge' ? `count=${request.patch.series?.count ?? '?'}` : 'claim';
    return this.#request(`PATCH(${request.type}) ${request.name} ${what}`, id, request.signal, () => {
      const found = this.events.get(id);
      if (found === undefined) throw apiError(method, 404, 'NotFound');
      const event = structuredClone(found.event);
      if (applyPatch(event, request) !== undefined) throw apiError(method, 422, 'Invalid');
      if (event.series !== undefined && event.series.count < 2) throw apiError(method, 422, 'Invalid');
      this.#store(id, event);
      return event;
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

  #store(id: string, event: Event): void {
    this.events.set(id, { event, lastWriteMs: this.#clock.now() });
    if (event.reportingController === 'someone.else/controller') return;
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
  #request(label: string, id: string, signal: AbortSignal | undefined, apply: () => Event): Promise<Event> {
    const n = ++this.#requests;
    const method = label.startsWith('POST') ? 'POST' : 'PATCH';
    const { min, max } = this.#config.latencyMs;
    const latency = this.#random.int(min, max);
    const fault = this.#fault();
    this.#trace(`#${n} ${label}${fault !== undefined ? ` [${fault.kind}]` : ''}`);
    return new Promise<Event>((resolve, reject) => {
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
        let result: Event;
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
