/**
 * The failure model through the whole Recorder (engine, write queue, outcomes) on a ManualClock:
 * answers that can never land end the series at once and free its slot, bounded spells end in a
 * loss, and hooks that throw or reject change nothing but `stats().hookErrors`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ApiError,
  ConnectionClosedError,
  CredentialError,
  EventsLostError,
  type KubeEventsError,
} from '../../../src/errors.ts';
import { ManualClock } from '../../../src/recorder/clock.ts';
import type { RecordedEvent } from '../../../src/recorder/event.ts';
import { FORBIDDEN_SPELL_MS } from '../../../src/recorder/failure-policy.ts';
import type { RecorderOptions } from '../../../src/recorder/options.ts';
import { Recorder } from '../../../src/recorder/recorder.ts';
import type { EventSink } from '../../../src/recorder/sink.ts';
import type { ObjectReference } from '../../../src/types.ts';
import { advance, advanceUntil } from '../../helpers/advance.ts';
import { MemorySink } from '../../helpers/memory-sink.ts';

const backOff: RecordedEvent = { type: 'Warning', reason: 'BackOff', action: 'Reconcile', note: 'image pull failed' };
const reporter = { controller: 'example.com/my-operator', instance: 'op-0' };
const pod = (name: string, namespace = 'default'): ObjectReference => ({
  apiVersion: 'v1',
  kind: 'Pod',
  namespace,
  name,
  uid: `uid-${name}`,
});

function statusError(status: number, reason: string, message: string, method: string, kind?: string): ApiError {
  return new ApiError({
    status,
    reason,
    serverMessage: message,
    causes: [],
    retryAfterSeconds: undefined,
    method,
    url: 'https://k8s.test/apis/events.k8s.io/v1/namespaces/x/events',
    statusObject: { kind: 'Status', status: 'Failure', message, reason, code: status, details: { kind } },
  });
}

/** A MemorySink whose writes in some namespaces fail with what `failure` returns. */
class FaultySink implements EventSink {
  readonly inner = new MemorySink();
  attempts = 0;
  readonly failure: (method: 'POST' | 'PATCH', namespace: string) => Error | undefined;
  constructor(failure: (method: 'POST' | 'PATCH', namespace: string) => Error | undefined) {
    this.failure = failure;
  }
  create: EventSink['create'] = (event) => {
    this.attempts += 1;
    const error = this.failure('POST', event.metadata?.namespace ?? '');
    return error !== undefined ? Promise.reject(error) : this.inner.create(event);
  };
  patch: EventSink['patch'] = (request) => {
    this.attempts += 1;
    const error = this.failure('PATCH', request.namespace);
    return error !== undefined ? Promise.reject(error) : this.inner.patch(request);
  };
}

let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
beforeEach(() => {
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});

function setup(sink: EventSink, options: RecorderOptions = {}) {
  const clock = new ManualClock();
  const errors: KubeEventsError[] = [];
  const recorder = new Recorder({ sink }, reporter, {
    writeBudget: false,
    clock,
    random: () => 0,
    onError: (error) => errors.push(error),
    ...options,
  });
  const lost = () => errors.filter((error): error is EventsLostError => error instanceof EventsLostError);
  return { clock, recorder, errors, lost };
}

describe('answers that can never land', () => {
  it('a missing namespace: lost at once as namespace-gone, no retry, the slot freed', async () => {
    const gone = statusError(404, 'NotFound', 'namespaces "gone" not found', 'POST', 'namespaces');
    const sink = new FaultySink((_, namespace) => (namespace === 'gone' ? gone : undefined));
    const { clock, recorder, lost } = setup(sink);
    await expect(recorder.publish(backOff, pod('a', 'gone'))).rejects.toBe(gone);
    await advance(clock, 60_000);
    expect(sink.attempts).toBe(1);
    expect(lost().map((error) => [error.reason, error.occurrences])).toEqual([['namespace-gone', 1]]);
    expect(recorder.stats()).toMatchObject({ cacheSize: 0, retiringSeries: 0, lost: { 'namespace-gone': 1 } });
  });

  it('idle series in a missing namespace do not fill the retiring set: new series are still taken in', async () => {
    const gone = statusError(404, 'NotFound', 'namespaces "gone" not found', 'POST', 'namespaces');
    const sink = new FaultySink((_, namespace) => (namespace === 'gone' ? gone : undefined));
    const { clock, recorder } = setup(sink, { maxSeries: 2, idleTimeoutMs: 2_000 });
    for (let i = 0; i < 4; i++) recorder.emit(backOff, pod(`p${i}`, 'gone'));
    await advance(clock, 10_000);
    expect(recorder.stats()).toMatchObject({ retiringSeries: 0, lost: { 'namespace-gone': 4 } });
    await expect(recorder.publish(backOff, pod('fine'))).resolves.toMatchObject({ write: 'created' });
    expect(recorder.stats().dropped.overload).toBe(0);
  });

  it('a closed connection: lost at once as connection-closed', async () => {
    const sink = new FaultySink((method) => new ConnectionClosedError(method, 'https://k8s.test'));
    const { clock, recorder } = setup(sink);
    recorder.emit(backOff, pod('a'));
    await advance(clock, 60_000);
    expect(sink.attempts).toBe(1);
    expect(recorder.stats().lost['connection-closed']).toBe(1);
  });
});

describe('bounded spells', () => {
  it('403s in one namespace are retried for 30 s then lost, while another namespace keeps writing', async () => {
    const message = 'User "x" cannot create resource "events" in API group "events.k8s.io" in the namespace "a"';
    const sink = new FaultySink((method, namespace) =>
      namespace === 'a' ? statusError(403, 'Forbidden', message, method) : undefined,
    );
    const { clock, recorder, lost } = setup(sink);
    await recorder.publish(backOff, pod('ok', 'b'));
    recorder.emit(backOff, pod('denied', 'a'));
    // b writes all along: its successes must not reset a's spell.
    let published = 1;
    for (let t = 0; t < FORBIDDEN_SPELL_MS + 35_000; t += 5_000) {
      recorder.emit(backOff, pod('ok', 'b'));
      published += 1;
      await advance(clock, 5_000);
    }
    expect(lost().map((error) => [error.reason, error.series.namespace])).toEqual([['forbidden', 'a']]);
    // Backoff from 0.5 s doubling to 30 s within a 30 s spell: a handful of attempts in a, not hundreds.
    const attemptsInA = sink.attempts - sink.inner.calls.length;
    expect(attemptsInA).toBeGreaterThanOrEqual(2);
    expect(attemptsInA).toBeLessThanOrEqual(10);
    await advanceUntil(clock, recorder.close());
    expect(sink.inner.only().series?.count).toBe(published);
  });

  it('a retryable credential failure is retried and the count lands', async () => {
    let failures = 1;
    const sink = new FaultySink(() =>
      failures-- > 0
        ? new CredentialError('kubeconfig', 'users[me].user.exec', 'exec plugin exited with code 1', {
            retryable: true,
          })
        : undefined,
    );
    const { clock, recorder, errors } = setup(sink);
    recorder.emit(backOff, pod('a'));
    recorder.emit(backOff, pod('a'));
    recorder.emit(backOff, pod('a'));
    await advance(clock, 10_000);
    await advanceUntil(clock, recorder.close());
    expect(sink.inner.only().series?.count).toBe(3);
    expect(errors.filter((error) => error instanceof CredentialError)).toHaveLength(1);
    expect(recorder.stats().lost.credentials).toBe(0);
  });
});

describe('hooks that are not ours', () => {
  it('a throwing logger and onError during a failed PATCH: the write is retried, idle() and close() settle', async () => {
    const sink = new MemorySink();
    const clock = new ManualClock();
    const recorder = new Recorder({ sink }, reporter, {
      writeBudget: false,
      clock,
      random: () => 0,
      logger: {
        warn() {
          throw new Error('logger down');
        },
      },
      onError() {
        throw new Error('onError down');
      },
    });
    await recorder.publish(backOff, pod('a'));
    sink.failNext.push(MemorySink.error(503, 'ServiceUnavailable', 'try later'));
    await recorder.publish(backOff, pod('a')); // the PATCH fails: coalesced, retried later
    await advanceUntil(clock, recorder.idle());
    await advance(clock, 5_000);
    const { value: report } = await advanceUntil(clock, recorder.close());
    expect(report.lost).toBe(0);
    expect(sink.only().series?.count).toBe(2);
    expect(recorder.stats().hookErrors).toBeGreaterThanOrEqual(2);
    expect(recorder.stats().pendingWrites).toBe(0);
    expect(unhandled).toEqual([]);
  });

  it('an onError that returns a rejected promise is counted, never an unhandled rejection', async () => {
    const sink = new MemorySink();
    const { clock, recorder } = setup(sink, { onError: () => Promise.reject(new Error('async hook down')) });
    await recorder.publish(backOff, pod('a'));
    sink.failNext.push(MemorySink.error(500, 'InternalError', 'boom'));
    await recorder.publish(backOff, pod('a'));
    await advance(clock, 5_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(recorder.stats().hookErrors).toBe(1);
    expect(sink.only().series?.count).toBe(2);
    expect(unhandled).toEqual([]);
  });
});
