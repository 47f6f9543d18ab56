/**
 * Every public entry point of the Recorder side, given what a JavaScript caller can pass: each bad
 * input is a ValidationError whose `field` names the argument (never a TypeError, never a request),
 * and emit() never throws (it counts the input in `stats().rejected` and tells `onError`).
 */
import { describe, expect, it } from 'vitest';
import { ValidationError, type KubeEventsError } from '../../../src/errors.ts';
import { ManualClock } from '../../../src/recorder/clock.ts';
import { reporterFromEnv, type RecordedEvent } from '../../../src/recorder/event.ts';
import { normalizeRef, objectRef } from '../../../src/recorder/object-ref.ts';
import { MAX_TIMER_MS, type RecorderOptions } from '../../../src/recorder/options.ts';
import { Recorder } from '../../../src/recorder/recorder.ts';
import type { ObjectReference } from '../../../src/types.ts';
import { MemorySink } from '../../helpers/memory-sink.ts';

const pod: ObjectReference = { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web-0', uid: 'u1' };
const event: RecordedEvent = { type: 'Warning', reason: 'BackOff', action: 'Reconcile', note: 'image pull failed' };
const reporter = { controller: 'example.com/my-operator', instance: 'op-0' };

/** A Proxy whose every read throws, as a hostile or broken object does. */
const throwing = (): object =>
  new Proxy(
    {},
    {
      get: () => {
        throw new Error('boom');
      },
      ownKeys: () => {
        throw new Error('boom');
      },
    },
  );
/** An object whose `key` getter throws. */
const getterThrows = <T extends object>(base: T, key: string): T =>
  Object.defineProperty({ ...base }, key, {
    enumerable: true,
    get: () => {
      throw new Error('getter failed');
    },
  });
const revoked = (): object => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
};

/** The ValidationError `attempt` throws (fails the test for anything else). */
function thrown(attempt: () => unknown): ValidationError {
  try {
    attempt();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError, nothing was thrown');
}

async function rejected(attempt: () => Promise<unknown>): Promise<ValidationError> {
  const error: unknown = await attempt().then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

function setup(options: RecorderOptions = {}) {
  const sink = new MemorySink();
  const errors: KubeEventsError[] = [];
  const recorder = new Recorder({ sink }, reporter, {
    writeBudget: false,
    clock: new ManualClock(),
    onError: (error) => errors.push(error),
    ...options,
  });
  return { sink, recorder, errors };
}

const big = (bytes: number): string => 'x'.repeat(bytes);

/** [what, event, regarding, field] */
const BAD_PUBLISHES: [string, unknown, unknown, string][] = [
  ['event null', null, pod, 'event'],
  ['event undefined', undefined, pod, 'event'],
  ['event a string', 'BackOff', pod, 'event'],
  ['event a Proxy that throws on get', throwing(), pod, 'event'],
  ['event a revoked Proxy', revoked(), pod, 'event'],
  ['event with a throwing getter', getterThrows(event, 'note'), pod, 'event'],
  ['type missing', { reason: 'R', action: 'A' }, pod, 'type'],
  ['type "Error"', { ...event, type: 'Error' }, pod, 'type'],
  ['type a symbol', { ...event, type: Symbol('x') }, pod, 'type'],
  ['reason missing', { ...event, reason: undefined }, pod, 'reason'],
  ['reason a number', { ...event, reason: 5 }, pod, 'reason'],
  ['reason null', { ...event, reason: null }, pod, 'reason'],
  ['reason over 128 bytes', { ...event, reason: 'é'.repeat(65) }, pod, 'reason'],
  ['action empty', { ...event, action: '' }, pod, 'action'],
  ['action over 128 bytes', { ...event, action: big(129) }, pod, 'action'],
  ['note a number', { ...event, note: 5 }, pod, 'note'],
  ['note null', { ...event, note: null }, pod, 'note'],
  ['note a bigint', { ...event, note: 5n }, pod, 'note'],
  ['secondary null', { ...event, secondary: null }, pod, 'secondary'],
  ['secondary a string', { ...event, secondary: 'node/n1' }, pod, 'secondary'],
  ['secondary kind a number', { ...event, secondary: { kind: 5, name: 'n1' } }, pod, 'secondary.kind'],
  ['secondary without a name', { ...event, secondary: { kind: 'Node' } }, pod, 'secondary.name'],
  [
    'secondary namespace a.b',
    { ...event, secondary: { kind: 'Pod', name: 'p', namespace: 'a.b' } },
    pod,
    'secondary.namespace',
  ],
  ['regarding undefined', event, undefined, 'regarding'],
  ['regarding null', event, null, 'regarding'],
  ['regarding a string', event, 'pod/web-0', 'regarding'],
  ['regarding a Proxy that throws on get', event, throwing(), 'regarding'],
  ['regarding with a throwing getter', event, getterThrows(pod, 'name'), 'regarding'],
  ['regarding kind 5', event, { ...pod, kind: 5 }, 'regarding.kind'],
  ['regarding kind null', event, { ...pod, kind: null }, 'regarding.kind'],
  ['regarding without a kind', event, { name: 'x' }, 'regarding.kind'],
  ['regarding without a name', event, { kind: 'Pod' }, 'regarding.name'],
  ['regarding name a number', event, { ...pod, name: 7 }, 'regarding.name'],
  ['regarding apiVersion an object', event, { ...pod, apiVersion: { group: 'apps' } }, 'regarding.apiVersion'],
  ['regarding uid a number', event, { ...pod, uid: 42 }, 'regarding.uid'],
  ['regarding fieldPath a number', event, { ...pod, fieldPath: 1 }, 'regarding.fieldPath'],
  ['regarding resourceVersion a number', event, { ...pod, resourceVersion: 17 }, 'regarding.resourceVersion'],
  ['regarding namespace a number', event, { ...pod, namespace: 3 }, 'regarding.namespace'],
  ['regarding namespace a.b (a subdomain, not a label)', event, { ...pod, namespace: 'a.b' }, 'regarding.namespace'],
  ['regarding namespace in upper case', event, { ...pod, namespace: 'Shop' }, 'regarding.namespace'],
  ['regarding namespace of 64 characters', event, { ...pod, namespace: big(64) }, 'regarding.namespace'],
  ['regarding namespace ending in -', event, { ...pod, namespace: 'shop-' }, 'regarding.namespace'],
];

describe('publish(event, regarding): a ValidationError naming the argument, nothing sent', () => {
  it.each(BAD_PUBLISHES)('%s', async (_what, badEvent, badRegarding, field) => {
    const { sink, recorder } = setup();
    const error = await rejected(() => recorder.publish(badEvent as RecordedEvent, badRegarding as ObjectReference));
    expect(error.field).toBe(field);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
    expect(sink.calls).toHaveLength(0);
    expect(recorder.stats().published).toBe(0);
  });

  it('a throwing getter is the cause of the ValidationError', async () => {
    const { recorder } = setup();
    const error = await rejected(() => recorder.publish(getterThrows(event, 'reason'), pod));
    expect(error.field).toBe('event');
    expect((error.cause as Error).message).toBe('getter failed');
  });

  it('a 63-character namespace and empty optional fields are fine; resourceVersion is dropped', async () => {
    const { sink, recorder } = setup();
    const namespace = `a${'-'.repeat(61)}b`;
    await recorder.publish({ ...event, note: undefined }, { ...pod, namespace, uid: '', resourceVersion: '5' });
    expect(sink.only().regarding).toEqual({ apiVersion: 'v1', kind: 'Pod', namespace, name: 'web-0' });
    expect(sink.only().note).toBeUndefined();
  });

  it('the caller object is read once: a getter that changes its answer cannot split the check from the write', async () => {
    const { sink, recorder } = setup();
    let reads = 0;
    const shifty = Object.defineProperty({ ...event }, 'reason', {
      enumerable: true,
      get: () => (reads++ === 0 ? 'BackOff' : 5),
    });
    await recorder.publish(shifty, pod);
    expect(reads).toBe(1);
    expect(sink.only().reason).toBe('BackOff');
  });
});

describe('emit(event, regarding): never throws; counted in stats().rejected and told to onError', () => {
  it.each(BAD_PUBLISHES)('%s', (_what, badEvent, badRegarding, field) => {
    const { sink, recorder, errors } = setup();
    expect(() => recorder.emit(badEvent as RecordedEvent, badRegarding as ObjectReference)).not.toThrow();
    expect(recorder.stats().rejected).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ValidationError);
    expect((errors[0] as ValidationError).field).toBe(field);
    expect(sink.calls).toHaveLength(0);
  });

  it('a valid emit after bad ones is written as usual', async () => {
    const { sink, recorder } = setup();
    recorder.emit(null as never, pod);
    recorder.emit(event, null as never);
    recorder.emit(event, pod);
    await recorder.idle();
    expect(recorder.stats()).toMatchObject({ rejected: 2, published: 1, created: 1 });
    expect(sink.events.size).toBe(1);
  });
});

/** [what, target, reporter, options, field] */
const BAD_CONSTRUCTIONS: [string, unknown, unknown, unknown, string][] = [
  ['target null', null, reporter, undefined, 'target'],
  ['target undefined', undefined, reporter, undefined, 'target'],
  ['target a string', 'https://k8s', reporter, undefined, 'target'],
  ['target without a sink', {}, reporter, undefined, 'target'],
  ['target.sink null', { sink: null }, reporter, undefined, 'target.sink'],
  ['target.sink without patch()', { sink: { create: () => undefined } }, reporter, undefined, 'target.sink'],
  ['target.events not an EventSink', { events: 5 }, reporter, undefined, 'target.events'],
  ['target a throwing Proxy', throwing(), reporter, undefined, 'target'],
  ['reporter null', 'sink', null, undefined, 'reporter'],
  ['reporter a string', 'sink', 'example.com/op', undefined, 'reporter'],
  ['reporter.controller a number', 'sink', { controller: 5 }, undefined, 'reporter.controller'],
  ['reporter.controller missing', 'sink', { instance: 'op-0' }, undefined, 'reporter.controller'],
  ['reporter.controller not a qualified name', 'sink', { controller: 'my operator' }, undefined, 'reporter.controller'],
  ['reporter.instance a number', 'sink', { ...reporter, instance: 0 }, undefined, 'reporter.instance'],
  ['reporter.instance null', 'sink', { ...reporter, instance: null }, undefined, 'reporter.instance'],
  ['reporter.instance empty', 'sink', { ...reporter, instance: '' }, undefined, 'reporter.instance'],
  ['reporter with an unknown key', 'sink', { ...reporter, instanse: 'x' }, undefined, 'reporter.instanse'],
  ['reporter a throwing Proxy', 'sink', throwing(), undefined, 'reporter'],
  ['options null', 'sink', reporter, null, 'options'],
  ['options a number', 'sink', reporter, 5, 'options'],
  ['options an array', 'sink', reporter, [], 'options'],
  ['options a throwing Proxy', 'sink', reporter, throwing(), 'options'],
  ['options with a throwing getter', 'sink', reporter, getterThrows({}, 'idleTimeoutMs'), 'options'],
  ['an unknown option', 'sink', reporter, { nope: 1 }, 'options.nope'],
  ['an option null', 'sink', reporter, { maxSeries: null }, 'options.maxSeries'],
  ['spamFilter null', 'sink', reporter, { spamFilter: null }, 'options.spamFilter'],
  ['spamFilter "on"', 'sink', reporter, { spamFilter: 'on' }, 'options.spamFilter'],
  ['spamFilter with a typo', 'sink', reporter, { spamFilter: { brust: 3 } }, 'options.spamFilter.brust'],
  ['spamFilter.burst null', 'sink', reporter, { spamFilter: { burst: null } }, 'options.spamFilter.burst'],
  ['spamFilter.burst 2.5', 'sink', reporter, { spamFilter: { burst: 2.5 } }, 'options.spamFilter.burst'],
  [
    'spamFilter.refillIntervalMs beyond 2^31 − 1',
    'sink',
    reporter,
    { spamFilter: { refillIntervalMs: MAX_TIMER_MS + 1 } },
    'options.spamFilter.refillIntervalMs',
  ],
  ['spamFilter.maxObjects 1e9', 'sink', reporter, { spamFilter: { maxObjects: 1e9 } }, 'options.spamFilter.maxObjects'],
  ['writeBudget { burst } alone', 'sink', reporter, { writeBudget: { burst: 10 } }, 'options.writeBudget.qps'],
  ['writeBudget { qps } alone', 'sink', reporter, { writeBudget: { qps: 5 } }, 'options.writeBudget.burst'],
  [
    'writeBudget mixing a bucket and limiter options',
    'sink',
    reporter,
    { writeBudget: { qps: 5, burst: 10, maxConcurrency: 4 } },
    'options.writeBudget.maxConcurrency',
  ],
  ['writeBudget with a typo', 'sink', reporter, { writeBudget: { brust: 10 } }, 'options.writeBudget.brust'],
  ['writeBudget qps "5"', 'sink', reporter, { writeBudget: { qps: '5', burst: 1 } }, 'options.writeBudget.qps'],
  [
    'writeBudget qps below one per timer',
    'sink',
    reporter,
    { writeBudget: { qps: 1e-9, burst: 1 } },
    'options.writeBudget.qps',
  ],
  ['writeBudget true', 'sink', reporter, { writeBudget: true }, 'options.writeBudget'],
  ['writeBudget null', 'sink', reporter, { writeBudget: null }, 'options.writeBudget'],
  [
    'writeBudget.maxWritesPerSecond null',
    'sink',
    reporter,
    { writeBudget: { maxWritesPerSecond: null } },
    'options.writeBudget.maxWritesPerSecond',
  ],
  [
    'writeBudget.maxPauseMs 1e12',
    'sink',
    reporter,
    { writeBudget: { maxPauseMs: 1e12 } },
    'options.writeBudget.maxPauseMs',
  ],
  [
    'writeBudget.latencyWindowMs beyond 2^31 − 1',
    'sink',
    reporter,
    { writeBudget: { latencyWindowMs: MAX_TIMER_MS + 1 } },
    'options.writeBudget.latencyWindowMs',
  ],
  [
    'shutdownWriteBudget "adaptive"',
    'sink',
    reporter,
    { shutdownWriteBudget: 'adaptive' },
    'options.shutdownWriteBudget',
  ],
  [
    'shutdownWriteBudget { qps } alone',
    'sink',
    reporter,
    { shutdownWriteBudget: { qps: 1 } },
    'options.shutdownWriteBudget.burst',
  ],
  [
    'shutdownWriteBudget with an unknown key',
    'sink',
    reporter,
    { shutdownWriteBudget: { qps: 1, burst: 1, rate: 2 } },
    'options.shutdownWriteBudget.rate',
  ],
  ['idleTimeoutMs 1e12', 'sink', reporter, { idleTimeoutMs: 1e12 }, 'options.idleTimeoutMs'],
  ['idleTimeoutMs "1000"', 'sink', reporter, { idleTimeoutMs: '1000' }, 'options.idleTimeoutMs'],
  [
    'minWriteIntervalMs beyond 2^31 − 1',
    'sink',
    reporter,
    { minWriteIntervalMs: 2 ** 31 },
    'options.minWriteIntervalMs',
  ],
  [
    'maxWriteIntervalMs beyond 2^31 − 1',
    'sink',
    reporter,
    { maxWriteIntervalMs: 2 ** 31 },
    'options.maxWriteIntervalMs',
  ],
  ['heartbeatMs beyond 2^31 − 1', 'sink', reporter, { heartbeatMs: 2 ** 31 }, 'options.heartbeatMs'],
  ['eventTtlMs beyond 2^31 − 1', 'sink', reporter, { eventTtlMs: 2 ** 32 }, 'options.eventTtlMs'],
  ['maxSeries 2.5', 'sink', reporter, { maxSeries: 2.5 }, 'options.maxSeries'],
  ['maxSeries 1e12', 'sink', reporter, { maxSeries: 1e12 }, 'options.maxSeries'],
  ['maxPendingWrites -1', 'sink', reporter, { maxPendingWrites: -1 }, 'options.maxPendingWrites'],
  ['noteInKey "yes"', 'sink', reporter, { noteInKey: 'yes' }, 'options.noteInKey'],
  ['legacyFields 1', 'sink', reporter, { legacyFields: 1 }, 'options.legacyFields'],
  [
    'clusterScopedNamespace kube-public',
    'sink',
    reporter,
    { clusterScopedNamespace: 'kube-public' },
    'options.clusterScopedNamespace',
  ],
  ['onError a string', 'sink', reporter, { onError: 'log' }, 'options.onError'],
  ['logger null', 'sink', reporter, { logger: null }, 'options.logger'],
  ['logger a string', 'sink', reporter, { logger: 'console' }, 'options.logger'],
  [
    'logger literal with an unknown key',
    'sink',
    reporter,
    { logger: { info: () => undefined } },
    'options.logger.info',
  ],
  ['logger.warn not a function', 'sink', reporter, { logger: { warn: 'loud' } }, 'options.logger.warn'],
  ['clock without timers', 'sink', reporter, { clock: { now: () => 0 } }, 'options.clock'],
  ['random a number', 'sink', reporter, { random: 0.5 }, 'options.random'],
];

describe('new Recorder(target, reporter, options): a ValidationError naming the argument', () => {
  it.each(BAD_CONSTRUCTIONS)('%s', (_what, target, badReporter, options, field) => {
    const actualTarget = target === 'sink' ? { sink: new MemorySink() } : target;
    const error = thrown(() => new Recorder(actualTarget as never, badReporter as never, options as never));
    expect(error.field).toBe(field);
  });

  it('the 2^31 − 1 limit is in the message, and the limit itself is accepted', () => {
    const error = thrown(() => setup({ idleTimeoutMs: 1e12 }));
    expect(error.message).toMatch(/at most 2147483647 ms \(2\^31 − 1/);
    expect(() => setup({ idleTimeoutMs: MAX_TIMER_MS, heartbeatMs: MAX_TIMER_MS })).not.toThrow();
  });

  it('null is refused with a message saying to omit the option; undefined is absent', () => {
    expect(thrown(() => setup({ spamFilter: null } as never)).message).toMatch(/is null: omit it/);
    expect(() => setup({ idleTimeoutMs: undefined, spamFilter: undefined, logger: undefined })).not.toThrow();
  });

  it('spamFilter false is off: 30 distinct events about one object, none dropped', async () => {
    for (const spamFilter of [false, undefined] as const) {
      const { recorder } = setup({ spamFilter });
      for (let i = 0; i < 30; i++) await recorder.publish({ ...event, reason: `Reason${i}` }, pod);
      expect(recorder.stats().dropped['spam-filter']).toBe(0);
    }
    const { recorder } = setup({ spamFilter: true });
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) => recorder.publish({ ...event, reason: `Reason${i}` }, pod)),
    );
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(5);
  });

  it('accepts the shapes that are not ambiguous: limiter burst with maxWritesPerSecond, console as logger', () => {
    expect(() => setup({ writeBudget: { maxWritesPerSecond: 5, burst: 10 } })).not.toThrow();
    expect(() => setup({ writeBudget: { qps: 5, burst: 10 } })).not.toThrow();
    expect(() => setup({ logger: console })).not.toThrow();
    expect(() => setup({ logger: {} })).not.toThrow();
  });
});

describe('flush({ timeoutMs }) and close({ timeoutMs })', () => {
  const BAD: [string, unknown, string][] = [
    ['null', null, 'options'],
    ['a number', 1000, 'options'],
    ['a throwing Proxy', throwing(), 'options'],
    ['timeoutMs -1', { timeoutMs: -1 }, 'timeoutMs'],
    ['timeoutMs NaN', { timeoutMs: NaN }, 'timeoutMs'],
    ['timeoutMs "10"', { timeoutMs: '10' }, 'timeoutMs'],
    ['timeoutMs null', { timeoutMs: null }, 'timeoutMs'],
    ['timeoutMs beyond 2^31 − 1', { timeoutMs: MAX_TIMER_MS + 1 }, 'timeoutMs'],
    ['a typo', { timeoutMS: 10 }, 'timeoutMS'],
  ];
  it.each(BAD)('%s', async (_what, options, field) => {
    const { recorder } = setup();
    expect((await rejected(() => recorder.flush(options as never))).field).toBe(field);
    expect((await rejected(() => recorder.close(options as never))).field).toBe(field);
    // The refused close() did not close it.
    await expect(recorder.publish(event, pod)).resolves.toMatchObject({ write: 'created' });
    await recorder.close({ timeoutMs: 0 });
  });
});

describe('objectRef(object, fieldPath?) and normalizeRef(ref)', () => {
  const BAD_OBJECTS: [string, unknown, unknown, string][] = [
    ['null', null, undefined, 'object'],
    ['undefined', undefined, undefined, 'object'],
    ['a string', 'pod/web-0', undefined, 'object'],
    ['a throwing Proxy', throwing(), undefined, 'object'],
    ['a throwing getter', getterThrows({ kind: 'Pod' }, 'metadata'), undefined, 'object'],
    ['no kind', { metadata: { name: 'x' } }, undefined, 'object.kind'],
    ['kind a number', { kind: 5, metadata: { name: 'x' } }, undefined, 'object.kind'],
    ['apiVersion a number', { apiVersion: 1, kind: 'Pod', metadata: { name: 'x' } }, undefined, 'object.apiVersion'],
    ['metadata null', { kind: 'Pod', metadata: null }, undefined, 'object.metadata'],
    ['no name', { kind: 'Pod', metadata: {} }, undefined, 'object.metadata.name'],
    ['name a number', { kind: 'Pod', metadata: { name: 1 } }, undefined, 'object.metadata.name'],
    [
      'namespace a.b',
      { kind: 'Pod', metadata: { name: 'x', namespace: 'a.b' } },
      undefined,
      'object.metadata.namespace',
    ],
    ['uid a number', { kind: 'Pod', metadata: { name: 'x', uid: 1 } }, undefined, 'object.metadata.uid'],
    ['fieldPath a number', { kind: 'Pod', metadata: { name: 'x' } }, 3, 'fieldPath'],
  ];
  it.each(BAD_OBJECTS)('objectRef: %s', (_what, object, fieldPath, field) => {
    expect(thrown(() => objectRef(object as never, fieldPath as never)).field).toBe(field);
  });

  it.each([
    ['null', null, 'ref'],
    ['a string', 'pod', 'ref'],
    ['kind a number', { kind: 5 }, 'ref.kind'],
    ['namespace a.b', { kind: 'Pod', name: 'p', namespace: 'a.b' }, 'ref.namespace'],
    ['a throwing Proxy', throwing(), 'ref'],
  ])('normalizeRef: %s', (_what, ref, field) => {
    expect(thrown(() => normalizeRef(ref as never)).field).toBe(field);
  });
});

describe('reporterFromEnv(controller, env?)', () => {
  it.each([
    ['controller a number', 5, {}, 'reporter.controller'],
    ['controller undefined', undefined, {}, 'reporter.controller'],
    ['controller not a qualified name', 'my operator', {}, 'reporter.controller'],
    ['env null', 'example.com/op', null, 'env'],
    ['env a string', 'example.com/op', 'POD_NAME=x', 'env'],
    ['POD_NAME a number', 'example.com/op', { POD_NAME: 7 }, 'env.POD_NAME'],
    ['env a throwing Proxy', 'example.com/op', throwing(), 'env'],
  ])('%s', (_what, controller, env, field) => {
    expect(thrown(() => reporterFromEnv(controller as never, env as never)).field).toBe(field);
  });

  it('an empty POD_NAME falls back to the hostname', () => {
    expect(reporterFromEnv('example.com/op', { POD_NAME: '' }).instance).toBeTruthy();
  });
});
