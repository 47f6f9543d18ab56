/**
 * The API writes of one series: create, patch of `series`, and their recoveries. A patch that
 * finds the Event gone (404: expired after --event-ttl or deleted) creates it again under the same
 * name with the current count. A create that finds the name taken (409) claims the Event when it is
 * ours — a JSON Patch whose `test` operations check the reporter and the key fields, so no `get`
 * permission is needed — and otherwise picks a new name. The write after a failed one claims the
 * same way instead of a plain patch (`verify`).
 */
import { isAlreadyExists, isInvalid, isNotFound } from '../errors.ts';
import type { JsonPatchOperation } from '../types.ts';
import type { Event, MicroTime, ObjectReference } from '../types.ts';
import { safeEventName } from '../util/event-name.ts';
import type { PatchRequest } from '../events-api.ts';
import type { EventSink } from './sink.ts';

/** The server-side identity of a series and the body it was created with. */
export interface SeriesTarget {
  name: string;
  readonly namespace: string;
  /** The Event as first created, without `series`. */
  readonly template: Event;
}

export type WriteKind = 'create' | 'patch';
const MAX_RENAMES = 3;

function seriesOf(count: number, lastObservedTime: MicroTime): Event['series'] {
  return count >= 2 ? { count, lastObservedTime } : undefined;
}

function ownershipTests(template: Event): JsonPatchOperation[] {
  const tests: JsonPatchOperation[] = [];
  const test = (path: string, value: string | undefined): void => {
    if (value !== undefined) tests.push({ op: 'test', path, value });
  };
  test('/reportingController', template.reportingController);
  test('/reportingInstance', template.reportingInstance);
  test('/type', template.type);
  test('/reason', template.reason);
  test('/action', template.action);
  const regarding: ObjectReference = template.regarding ?? {};
  test('/regarding/kind', regarding.kind);
  test('/regarding/name', regarding.name);
  test('/regarding/namespace', regarding.namespace);
  test('/regarding/uid', regarding.uid);
  return tests;
}

/** Told of every request sent and every one the server applied (with the Event it wrote). */
export interface WriteObserver {
  attempt(kind: WriteKind): void;
  applied(kind: WriteKind, target: { readonly namespace: string }): void;
}

export class SeriesWriter {
  readonly #sink: EventSink;
  readonly #observer: WriteObserver;

  constructor(sink: EventSink, observer: WriteObserver) {
    this.#sink = sink;
    this.#observer = observer;
  }

  async #create(body: Event, signal: AbortSignal | undefined): Promise<void> {
    this.#observer.attempt('create');
    await this.#sink.create(body, signal !== undefined ? { signal } : undefined);
    this.#observer.applied('create', { namespace: body.metadata?.namespace ?? '' });
  }

  async #patch(request: PatchRequest): Promise<void> {
    this.#observer.attempt('patch');
    await this.#sink.patch(request);
    this.#observer.applied('patch', request);
  }

  /** Creates the Event carrying `count` (with a series from 2 on). */
  async create(target: SeriesTarget, count: number, lastObservedTime: MicroTime, signal?: AbortSignal): Promise<void> {
    for (let renames = 0; ; renames++) {
      const series = seriesOf(count, lastObservedTime);
      const body: Event = {
        ...target.template,
        metadata: { name: target.name, namespace: target.namespace },
        ...(series !== undefined ? { series } : {}),
      };
      try {
        await this.#create(body, signal);
        return;
      } catch (error) {
        if (!isAlreadyExists(error) || renames >= MAX_RENAMES) throw error;
      }
      if (await this.#claim(target, count, lastObservedTime, signal)) return;
      target.name = safeEventName(target.template.regarding?.name ?? 'event');
    }
  }

  /**
   * Writes `count` into the existing Event's series; re-creates it when it is gone. With `verify`
   * (the previous write failed, so the Event under our name may have changed hands: an expiry and a
   * collision can both happen behind a failed write) the write is a claim, which checks the Event
   * is ours, and a new name is chosen when it is not.
   */
  async patch(
    target: SeriesTarget,
    count: number,
    lastObservedTime: MicroTime,
    options: { signal?: AbortSignal | undefined; verify: boolean },
  ): Promise<void> {
    const { signal } = options;
    try {
      if (options.verify) {
        if (await this.#claim(target, count, lastObservedTime, signal)) return;
        target.name = safeEventName(target.template.regarding?.name ?? 'event');
        await this.create(target, count, lastObservedTime, signal);
        return;
      }
      await this.#patch({
        namespace: target.namespace,
        name: target.name,
        type: 'merge',
        patch: { series: { count, lastObservedTime } },
        ...(signal !== undefined ? { signal } : {}),
      });
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await this.create(target, count, lastObservedTime, signal);
    }
  }

  /** After a 409: true when the Event under our name is ours (and now carries `count`). */
  async #claim(
    target: SeriesTarget,
    count: number,
    lastObservedTime: MicroTime,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    const series = seriesOf(count, lastObservedTime);
    const patch: JsonPatchOperation[] = [
      ...ownershipTests(target.template),
      ...(series !== undefined ? [{ op: 'add' as const, path: '/series', value: series }] : []),
    ];
    try {
      await this.#patch({
        namespace: target.namespace,
        name: target.name,
        type: 'json',
        patch,
        ...(signal !== undefined ? { signal } : {}),
      });
      return true;
    } catch (error) {
      // A failed `test` is 422: the name belongs to someone else's Event.
      if (isInvalid(error)) return false;
      throw error;
    }
  }
}
