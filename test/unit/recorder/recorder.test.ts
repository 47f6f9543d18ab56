import { describe, expect, it } from 'vitest';
import {
  EventDroppedError,
  EventsLostError,
  RecorderClosedError,
  ValidationError,
  type KubeEventsError,
} from '../../../src/errors.ts';
import { ManualClock } from '../../../src/recorder/clock.ts';
import type { RecordedEvent } from '../../../src/recorder/event.ts';
import { Recorder } from '../../../src/recorder/recorder.ts';
import type { RecorderOptions } from '../../../src/recorder/options.ts';
import type { ObjectReference } from '../../../src/types.ts';
import { advance } from '../../helpers/advance.ts';
import { MemorySink, quiesce } from '../../helpers/memory-sink.ts';

const pod: ObjectReference = {
  apiVersion: 'v1',
  kind: 'Pod',
  namespace: 'default',
  name: 'web-0',
  uid: 'uid-1',
  resourceVersion: '17',
};
const backOff: RecordedEvent = { type: 'Warning', reason: 'BackOff', action: 'Reconcile', note: 'image pull failed' };
const reporter = { controller: 'example.com/my-operator', instance: 'op-0' };

function setup(options: RecorderOptions = {}) {
  const sink = new MemorySink();
  const clock = new ManualClock();
  const recorder = new Recorder({ sink }, reporter, { writeBudget: false, clock, ...options });
  return { sink, clock, recorder };
}

describe('Recorder series', () => {
  it('creates the first occurrence with every field as the apiserver wants it', async () => {
    const { sink, recorder } = setup();
    const result = await recorder.publish(
      { ...backOff, secondary: { kind: 'Node', name: 'n1', resourceVersion: '9' } },
      pod,
    );
    expect(result).toMatchObject({ namespace: 'default', count: 1, write: 'created' });
    expect(result.name).toMatch(/^web-0\.[0-9a-f]{16}$/);
    const event = sink.only();
    expect(event).toEqual({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: result.name, namespace: 'default' },
      eventTime: '2026-11-25T12:00:00.000000Z',
      type: 'Warning',
      reason: 'BackOff',
      action: 'Reconcile',
      note: 'image pull failed',
      reportingController: 'example.com/my-operator',
      reportingInstance: 'op-0',
      regarding: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web-0', uid: 'uid-1' },
      related: { kind: 'Node', name: 'n1' },
    });
  });

  it('patches only the series on the second occurrence', async () => {
    const { sink, clock, recorder } = setup();
    await recorder.publish(backOff, pod);
    clock.advance(1500);
    const second = await recorder.publish(backOff, { ...pod, resourceVersion: '18' });
    expect(second).toMatchObject({ count: 2, write: 'patched' });
    expect(sink.calls.map((c) => c.verb)).toEqual(['create', 'patch']);
    expect(sink.calls[1]?.body).toEqual({ series: { count: 2, lastObservedTime: '2026-11-25T12:00:01.500000Z' } });
    expect(sink.calls[1]?.type).toBe('merge');
  });

  it('coalesces a storm: logarithmic writes, bounded staleness, exact count after flush', async () => {
    const { sink, clock, recorder } = setup();
    const start = clock.now();
    let lastSample = start;
    let maxLagOverBound = 0;
    let occurrences = 0;
    const occurredAt: number[] = [];
    for (let i = 0; i < 10_000; i++) {
      const result = await recorder.publish(backOff, pod);
      occurrences += 1;
      occurredAt.push(clock.now());
      expect(result.count).toBe(occurrences);
      clock.advance(6);
      await recorder.idle();
      if (clock.now() - lastSample >= 1000) {
        lastSample = clock.now();
        const serverCount = sink.only().series?.count ?? 1;
        // The oldest occurrence the server does not count yet:
        const oldestMissing = occurredAt[serverCount];
        if (oldestMissing !== undefined) {
          const lag = clock.now() - oldestMissing;
          const age = clock.now() - start;
          maxLagOverBound = Math.max(maxLagOverBound, lag - Math.max(1000, age / 2, 60_000));
        }
      }
    }
    expect(maxLagOverBound).toBeLessThanOrEqual(0);
    await recorder.flush();
    expect(sink.only().series?.count).toBe(10_000);
    const stats = recorder.stats();
    expect(stats.writes).toBeLessThanOrEqual(9);
    expect(stats.created).toBe(1);
    expect(stats.coalesced).toBe(9_998);
  });

  it('resets the interval after a quiet spell', async () => {
    const { sink, clock, recorder } = setup();
    await recorder.publish(backOff, pod);
    await recorder.publish(backOff, pod);
    clock.advance(10 * 60_000 - 1);
    await recorder.publish(backOff, pod);
    // Idle expiry is 6 min: that occurrence started a new Event.
    expect(sink.events.size).toBe(2);
    const { recorder: r2, sink: s2, clock: c2 } = setup();
    await r2.publish(backOff, pod);
    await r2.publish(backOff, pod);
    c2.advance(100_000);
    // After a quiet spell longer than the longest interval the occurrence is written at once…
    await r2.publish(backOff, pod);
    await r2.idle();
    expect(s2.only().series?.count).toBe(3);
    const before = s2.calls.length;
    // …and a new burst starts: the next write comes 1 s after it, not 64 s.
    c2.advance(10);
    await r2.publish(backOff, pod);
    c2.advance(980);
    await r2.idle();
    expect(s2.calls.length).toBe(before);
    c2.advance(10);
    await r2.idle();
    expect(s2.calls.length).toBe(before + 1);
    expect(s2.only().series?.count).toBe(4);
  });

  it('500 concurrent publishes of one key: one create, one patch, count 500', async () => {
    const { sink, recorder } = setup();
    let release!: () => void;
    sink.gate = new Promise((resolve) => (release = resolve));
    const all = Array.from({ length: 500 }, () => recorder.publish(backOff, pod));

    release();
    const results = await Promise.all(all);
    expect(results.filter((r) => r.write === 'created')).toHaveLength(1);
    expect(new Set(results.map((r) => r.count)).size).toBe(500);
    await recorder.flush();
    expect(sink.calls.filter((c) => c.verb === 'create')).toHaveLength(1);
    expect(sink.only().series?.count).toBe(500);
    // The create ran after all 500 were counted, so it already carried the series.
    expect(recorder.stats().writes).toBeLessThanOrEqual(2);
  });

  it('re-creates an Event that expired or was deleted, under its name, with the current count', async () => {
    const { sink, clock, recorder } = setup();
    const first = await recorder.publish(backOff, pod);
    await recorder.publish(backOff, pod);
    sink.events.clear();
    clock.advance(5_000);
    await recorder.publish(backOff, pod);
    await recorder.flush();
    const event = sink.only();
    expect(event.metadata?.name).toBe(first.name);
    expect(event.series?.count).toBe(3);
    expect(event.eventTime).toBe('2026-11-25T12:00:00.000000Z');
  });

  it('a transient create failure keeps the occurrence and retries; a taken name is claimed or renamed', async () => {
    const { sink, clock, recorder } = setup();
    sink.failNext.push(MemorySink.error(504, 'Timeout', 'lost answer'));
    // The occurrence stays counted and its create is retried with backoff.
    expect(await recorder.publish(backOff, pod)).toMatchObject({ count: 1, write: 'coalesced' });
    clock.advance(2_000);
    await recorder.idle();
    expect(sink.only().reason).toBe('BackOff');

    const { sink: s2, recorder: r2 } = setup();
    const realCreate = s2.create.bind(s2);
    let first = true;
    s2.create = async (event) => {
      if (first) {
        first = false;
        await realCreate(event);
        throw MemorySink.error(409, 'AlreadyExists', 'exists');
      }
      return realCreate(event);
    };
    await r2.publish(backOff, pod);
    expect(s2.calls.map((c) => `${c.verb}:${c.type ?? ''}`)).toEqual(['create:', 'patch:json']);
    expect(s2.events.size).toBe(1);

    const { sink: s3, recorder: r3 } = setup();
    s3.create = async (event) => {
      const name = event.metadata?.name ?? '';
      if (!s3.events.has(`default/${name}`) && s3.calls.length === 0) {
        s3.events.set(`default/${name}`, { ...event, reportingController: 'someone.else/x' });
      }
      return MemorySink.prototype.create.call(s3, event);
    };
    const renamed = await r3.publish(backOff, pod);
    expect(s3.events.size).toBe(2);
    expect(s3.get(renamed.name)?.reportingController).toBe('example.com/my-operator');
  });

  it('keys ignore resourceVersion and extra fields, and include the note only when asked', async () => {
    const { sink, recorder } = setup();
    await recorder.publish(backOff, pod);
    await recorder.publish({ ...backOff, note: 'another note' }, { ...pod, resourceVersion: '99', fieldPath: '' });
    expect(sink.events.size).toBe(1);
    const { sink: s2, recorder: r2 } = setup({ noteInKey: true });
    await r2.publish(backOff, pod);
    await r2.publish({ ...backOff, note: 'another note' }, pod);
    expect(s2.events.size).toBe(2);
  });

  it('cluster-scoped objects go to default, or kube-system when configured', async () => {
    const role = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      name: 'system:controller:attachdetach-controller',
    };
    const { recorder } = setup();
    const result = await recorder.publish({ type: 'Normal', reason: 'Synced', action: 'Sync' }, role);
    expect(result.namespace).toBe('default');
    expect(result.name).toMatch(/^system-controller-attachdetach-controller-[0-9a-f]{8}\.[0-9a-f]{16}$/);
    const { recorder: r2 } = setup({ clusterScopedNamespace: 'kube-system' });
    expect((await r2.publish({ type: 'Normal', reason: 'Synced', action: 'Sync' }, role)).namespace).toBe(
      'kube-system',
    );
  });
});

describe('Recorder failures', () => {
  it('a 403 on a verb that worked before is taken for an RBAC reload for 30 s, then the series is lost', async () => {
    const errors: KubeEventsError[] = [];
    const { sink, clock, recorder } = setup({ onError: (e) => errors.push(e) });
    await recorder.publish(backOff, pod);
    await recorder.publish(backOff, pod); // create and patch have both worked
    const forbidden = () =>
      MemorySink.error(403, 'Forbidden', 'cannot patch resource "events" in API group "events.k8s.io"');
    // Right after an apiserver restart RBAC answers 403 for a moment: the count is kept and retried.
    sink.failNext.push(forbidden());
    expect(await recorder.publish(backOff, pod)).toMatchObject({ count: 3, write: 'coalesced' });
    await advance(clock, 5_000);
    expect(sink.only().series?.count).toBe(3);
    // A 403 that lasts is RBAC saying no: after 30 s of them the series ends, its count reported lost.
    for (let i = 0; i < 100; i++) sink.failNext.push(forbidden());
    await recorder.publish(backOff, pod);
    // Past the spell, and past the next idle sweep, which stops once the cache is empty.
    await advance(clock, 200_000);
    expect(recorder.stats()).toMatchObject({ cacheSize: 0, lost: { forbidden: 1 } });
    expect(errors.at(-1)).toBeInstanceOf(EventsLostError);
    expect(errors.at(-1)).toMatchObject({
      reason: 'forbidden',
      occurrences: 1,
      series: {
        kind: 'Pod',
        namespace: 'default',
        name: 'web-0',
        reason: 'BackOff',
        eventName: sink.only().metadata?.name,
      },
    });
    expect(clock.pendingTimers).toBe(0);
  });

  it('an identity that may create but not patch: the second publish rejects with Forbidden at once', async () => {
    const errors: KubeEventsError[] = [];
    const { sink, recorder } = setup({ onError: (e) => errors.push(e) });
    await recorder.publish(backOff, pod);
    sink.failNext.push(MemorySink.error(403, 'Forbidden', 'cannot patch resource "events"'));
    await expect(recorder.publish(backOff, pod)).rejects.toMatchObject({ status: 403, reason: 'Forbidden' });
    expect(recorder.stats().lost.forbidden).toBe(1);
    expect(errors.map((e) => e.name)).toEqual(['EventsLostError']);
  });

  it('a failed create rejects the publishes that waited for it, and the next one starts over', async () => {
    const { sink, recorder } = setup();
    let release!: () => void;
    sink.gate = new Promise((resolve) => (release = resolve));
    sink.failNext.push(MemorySink.error(403, 'Forbidden', 'no create'));
    const first = recorder.publish(backOff, pod);
    const second = recorder.publish(backOff, pod);
    release();
    await expect(first).rejects.toMatchObject({ reason: 'Forbidden' });
    await expect(second).rejects.toMatchObject({ reason: 'Forbidden' });
    expect(sink.calls).toHaveLength(1);
    expect(recorder.stats().lost).toMatchObject({ forbidden: 2 });
    expect((await recorder.publish(backOff, pod)).write).toBe('created');
  });

  it('transient failures of coalesced writes keep every count', async () => {
    const errors: KubeEventsError[] = [];
    const { sink, clock, recorder } = setup({ onError: (e) => errors.push(e) });
    for (let i = 0; i < 3; i++) await recorder.publish(backOff, pod);
    sink.failNext.push(
      MemorySink.error(503, 'ServiceUnavailable', 'down'),
      MemorySink.error(429, 'TooManyRequests', 'slow'),
    );
    clock.advance(1_000);
    await recorder.idle();
    clock.advance(10_000);
    await recorder.idle();
    clock.advance(10_000);
    await recorder.idle();
    expect(errors.map((e) => (e as { reason?: string }).reason)).toEqual(['ServiceUnavailable', 'TooManyRequests']);
    await recorder.flush();
    expect(sink.only().series?.count).toBe(3);
    expect(recorder.stats().failed).toEqual({ ServiceUnavailable: 1, TooManyRequests: 1 });
  });

  it('an idle series gets its final write after 6 minutes and leaves the cache', async () => {
    const { sink, clock, recorder } = setup({
      maxWriteIntervalMs: 600_000,
      heartbeatMs: 3_600_000,
      eventTtlMs: 7_200_000,
    });
    for (let i = 0; i < 5; i++) await recorder.publish(backOff, pod);
    clock.advance(6 * 60_000 + 60_000);
    await recorder.idle();
    expect(sink.only().series?.count).toBe(5);
    expect(recorder.stats().cacheSize).toBe(0);
  });

  it('a full cache evicts the least recently used series after writing its count', async () => {
    const { sink, recorder } = setup({ maxSeries: 2 });
    for (const name of ['a', 'a', 'a', 'b', 'c']) await recorder.publish(backOff, { ...pod, name, uid: name });
    await recorder.idle();
    expect(recorder.stats().cacheSize).toBe(2);
    const a = [...sink.events.values()].find((e) => e.regarding?.name === 'a');
    expect(a?.series?.count).toBe(3);
  });

  it('close() flushes; later publishes reject, emits are dropped and counted, timers stop', async () => {
    const { sink, clock, recorder } = setup();
    for (let i = 0; i < 7; i++) await recorder.publish(backOff, pod);
    await recorder.close();
    expect(sink.only().series?.count).toBe(7);
    await expect(recorder.publish(backOff, pod)).rejects.toBeInstanceOf(RecorderClosedError);
    recorder.emit(backOff, pod);
    await recorder.idle();
    expect(recorder.stats().dropped.closed).toBe(2);
    expect(clock.pendingTimers).toBe(0);
  });

  it('the spam filter, when on, lets a burst through per object and type', async () => {
    const { recorder } = setup({ spamFilter: { burst: 3, refillIntervalMs: 60_000 } });
    for (let i = 0; i < 3; i++) await recorder.publish({ ...backOff, reason: `R${i}` }, pod);
    await expect(recorder.publish(backOff, pod)).rejects.toBeInstanceOf(EventDroppedError);
    await recorder.publish({ ...backOff, type: 'Normal' }, pod);
    expect(recorder.stats().dropped['spam-filter']).toBe(1);
  });

  it('drops new events when too many writes are pending', async () => {
    const { sink, recorder } = setup({ maxPendingWrites: 2 });
    sink.gate = new Promise(() => {});
    void recorder.publish(backOff, { ...pod, name: 'a' }).catch(() => undefined);
    void recorder.publish(backOff, { ...pod, name: 'b' }).catch(() => undefined);
    await expect(recorder.publish(backOff, { ...pod, name: 'c' })).rejects.toMatchObject({ reason: 'overload' });
    expect(recorder.stats()).toMatchObject({ pendingWrites: 2, dropped: { overload: 1 } });
  });
});

describe('Recorder validation', () => {
  it('rejects invalid events before any API call, naming field and rule', async () => {
    const { sink, recorder } = setup();
    await expect(recorder.publish({ ...backOff, type: 'Error' as 'Normal' }, pod)).rejects.toThrow(
      /type: must be "Normal" or "Warning"/,
    );
    await expect(recorder.publish({ ...backOff, reason: '' }, pod)).rejects.toThrow(/reason: is required/);
    await expect(recorder.publish({ ...backOff, action: 'é'.repeat(65) }, pod)).rejects.toThrow(
      /action: is 130 bytes; the apiserver allows at most 128/,
    );
    await expect(recorder.publish(backOff, { kind: 'Pod' })).rejects.toThrow(/regarding.name: is required/);
    await expect(recorder.publish(backOff, { name: 'x' })).rejects.toBeInstanceOf(ValidationError);
    expect(sink.calls).toHaveLength(0);
  });

  it('cuts a long note on a character boundary with a visible marker', async () => {
    const { sink, recorder } = setup();
    await recorder.publish({ ...backOff, note: '日本語'.repeat(200) }, pod);
    const note = sink.only().note ?? '';
    expect(Buffer.byteLength(note)).toBeLessThanOrEqual(1024);
    expect(note.endsWith(' …[truncated]')).toBe(true);
    expect(note.startsWith('日本語日本語')).toBe(true);
  });

  it('checks the reporter at construction; shortens a long instance deterministically', () => {
    expect(() => new Recorder({ sink: new MemorySink() }, { controller: 'my operator' })).toThrow(
      /reporter.controller: "my operator" is not a qualified name/,
    );
    expect(() => new Recorder({ sink: new MemorySink() }, { controller: 'a/b/c' })).toThrow(/more than one "\/"/);
    const sink = new MemorySink();
    const long = 'x'.repeat(200);
    const recorder = new Recorder({ sink }, { controller: 'example.com/op', instance: long }, { writeBudget: false });
    return recorder.publish(backOff, pod).then(() => {
      const instance = sink.only().reportingInstance ?? '';
      expect(instance).toHaveLength(128);
      expect(instance).toMatch(/^x{119}-[0-9a-f]{8}$/);
    });
  });

  it('rejects unknown and nonsensical options', () => {
    expect(() => new Recorder({ sink: new MemorySink() }, reporter, { maxSeries: 0 })).toThrow(
      /options.maxSeries: must be a positive integer/,
    );
    expect(() => new Recorder({ sink: new MemorySink() }, reporter, { nope: 1 } as RecorderOptions)).toThrow(
      /options.nope: unknown option/,
    );
    const budget = (writeBudget: unknown) => () =>
      new Recorder({ sink: new MemorySink() }, reporter, { writeBudget } as RecorderOptions);
    expect(budget('fast')).toThrow(ValidationError);
    expect(budget('fast')).toThrow(
      /options.writeBudget: must be 'adaptive', limiter options, \{ qps, burst \} or false/,
    );
    expect(budget({ maxWritesPerSecond: -1 })).toThrow(
      /options.writeBudget.maxWritesPerSecond: must be a positive number/,
    );
    expect(budget({ qps: 0, burst: 1 })).toThrow(/options.writeBudget.qps/);
    expect(budget({ maxWritesPerSecond: 50 })).not.toThrow();
  });

  it('emit never throws, even for invalid input, and reports to onError', async () => {
    const errors: KubeEventsError[] = [];
    const { recorder } = setup({ onError: (e) => errors.push(e) });
    expect(() => recorder.emit({ ...backOff, reason: '' }, pod)).not.toThrow();
    await recorder.idle();
    expect(errors[0]).toBeInstanceOf(ValidationError);
    expect(recorder.stats().failed).toEqual({ ValidationError: 1 });
  });
});

describe('Recorder schedule with writes in flight', () => {
  it('an occurrence while a scheduled write is on the wire does not queue a second write behind it', async () => {
    const { sink, clock, recorder } = setup();
    await recorder.publish(backOff, pod);
    await recorder.publish(backOff, pod); // the series patch (count 2)
    await recorder.publish(backOff, pod); // coalesced: a write is scheduled 1 s after the burst began
    let release: () => void = () => undefined;
    sink.gate = new Promise((resolve) => (release = resolve));
    clock.advance(1000);
    // The write started synchronously from the timer and is held on the wire.
    expect(sink.calls.map((call) => call.verb)).toEqual(['create', 'patch', 'patch']);
    // Occurrences while that write is held on the wire: counted, and left to the next scheduled write.
    for (let i = 0; i < 5; i++) await recorder.publish(backOff, pod);
    sink.gate = undefined;
    release();
    await recorder.idle();
    expect(sink.calls).toHaveLength(3);
    // The next write comes on the doubling schedule (2 s after the burst began) with every count.
    clock.advance(1000);
    await recorder.idle();
    expect(sink.calls).toHaveLength(4);
    expect(sink.calls[3]?.body).toMatchObject({ series: { count: 8 } });
    await recorder.close();
  });
});

describe('Recorder write budget', () => {
  it('adaptive by default: a startup burst of 5,000 distinct Events is written whole, never shed', async () => {
    const sink = new MemorySink();
    const recorder = new Recorder({ sink }, reporter, { clock: new ManualClock() });
    for (let i = 0; i < 5_000; i++) recorder.emit(backOff, { ...pod, name: `burst-${i}`, uid: `uid-${i}` });
    await recorder.idle();
    expect(sink.events.size).toBe(5_000);
    expect(recorder.stats()).toMatchObject({ created: 5_000, dropped: { overload: 0 } });
  });

  const object = (i: number): ObjectReference => ({
    apiVersion: 'v1',
    kind: 'Pod',
    namespace: 'default',
    name: `obj-${i}`,
  });

  it('spaces writes by writeBudget, and close() writes the backlog under shutdownWriteBudget', async () => {
    const { sink, clock, recorder } = setup({
      writeBudget: { qps: 1, burst: 1 },
      shutdownWriteBudget: { qps: 1000, burst: 1000 },
    });
    for (let i = 0; i < 5; i++) recorder.emit(backOff, object(i));
    await quiesce();
    expect(sink.calls).toHaveLength(1);
    clock.advance(1000);
    await quiesce();
    expect(sink.calls).toHaveLength(2);

    const closed = recorder.close();
    // The write already waiting for the steady budget still waits its turn; the rest go at once.
    clock.advance(1000);
    await closed;
    expect(sink.calls.map((call) => call.verb)).toEqual(['create', 'create', 'create', 'create', 'create']);
    expect(recorder.stats().dropped).toEqual({ overload: 0, 'spam-filter': 0, closed: 0 });
  });

  it('shutdownWriteBudget false lets close() write without waiting for the budget', async () => {
    const { sink, clock, recorder } = setup({ writeBudget: { qps: 1, burst: 1 }, shutdownWriteBudget: false });
    for (let i = 0; i < 4; i++) recorder.emit(backOff, object(i));
    await quiesce();
    const closed = recorder.close();
    clock.advance(1000);
    await closed;
    expect(sink.calls).toHaveLength(4);
  });

  it('rejects a bad shutdownWriteBudget by name', () => {
    expect(() => setup({ shutdownWriteBudget: { qps: 0, burst: 1 } })).toThrow(/shutdownWriteBudget\.qps/);
  });
});
