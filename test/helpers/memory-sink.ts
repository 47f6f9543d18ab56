/**
 * An in-memory events store with the apiserver's answers for the calls the Recorder makes (409 on a
 * taken name, 404 on a missing one, 422 on a failed JSON Patch test), for unit tests of the
 * Recorder's state machine. Integration tests run the same scenarios against the real apiserver.
 */
import type { EventSink } from '../../src/recorder/sink.ts';
import { ApiError } from '../../src/errors.ts';
import type { PatchRequest } from '../../src/events-api.ts';
import type { Event } from '../../src/types.ts';
import { applyPatch } from './apply-patch.ts';

export interface SinkCall {
  verb: 'create' | 'patch';
  name: string;
  namespace: string;
  body: unknown;
  type?: string;
}

function apiError(status: number, reason: string, message: string, method = 'X'): ApiError {
  return new ApiError({
    status,
    reason,
    serverMessage: message,
    causes: [],
    retryAfterSeconds: undefined,
    method,
    url: 'memory',
    statusObject: undefined,
  });
}

export class MemorySink implements EventSink {
  readonly events = new Map<string, Event>();
  readonly calls: SinkCall[] = [];
  /** Errors thrown by the next calls, in order. */
  readonly failNext: ApiError[] = [];
  /** Resolves calls only when released (to hold writes in flight). */
  gate: Promise<void> | undefined;

  static error = apiError;

  async create(event: Event): Promise<Event> {
    const name = event.metadata?.name ?? '';
    const namespace = event.metadata?.namespace ?? '';
    this.calls.push({ verb: 'create', name, namespace, body: structuredClone(event) });
    await this.gate;
    this.#fail('POST');
    const key = `${namespace}/${name}`;
    if (this.events.has(key)) throw apiError(409, 'AlreadyExists', `events.events.k8s.io "${name}" already exists`);
    if (event.series !== undefined && event.series.count < 2)
      throw apiError(422, 'Invalid', 'series.count: must be at least 2');
    this.events.set(key, structuredClone(event));
    return event;
  }

  async patch(request: PatchRequest): Promise<Event> {
    this.calls.push({
      verb: 'patch',
      name: request.name,
      namespace: request.namespace,
      body: structuredClone(request.patch),
      type: request.type,
    });
    await this.gate;
    this.#fail('PATCH');
    const key = `${request.namespace}/${request.name}`;
    const event = this.events.get(key);
    if (event === undefined) throw apiError(404, 'NotFound', `events.events.k8s.io "${request.name}" not found`);
    const failedTest = applyPatch(event, request);
    if (failedTest !== undefined) throw apiError(422, 'Invalid', `testing value ${failedTest} failed`);
    return event;
  }

  /** Throws the next queued failure, as the answer to a request with `method`. */
  #fail(method: string): void {
    const failure = this.failNext.shift();
    if (failure === undefined) return;
    throw apiError(failure.status, failure.reason, failure.serverMessage, method);
  }

  get(name: string, namespace = 'default'): Event | undefined {
    return this.events.get(`${namespace}/${name}`);
  }

  only(): Event {
    if (this.events.size !== 1) throw new Error(`expected one event, found ${this.events.size}`);
    return [...this.events.values()][0] as Event;
  }
}

/**
 * Waits one macrotask turn: every promise callback that can run has run, so code whose only waits
 * are on a ManualClock or a held sink is now blocked on them. For writes waiting on the write
 * budget's ManualClock timers, where `recorder.idle()` would wait for an advance.
 */
export function quiesce(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
