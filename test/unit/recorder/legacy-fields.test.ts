/**
 * legacyFields: the translation to core/v1, the option's checks, and the Recorder writing a series
 * through the simulated apiserver's core/v1 API (the real apiserver: test/integration/legacy-fields.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { ValidationError, type KubeEventsError } from '../../../src/errors.ts';
import { ManualClock } from '../../../src/recorder/clock.ts';
import {
  coreV1Sink,
  fromCoreEvent,
  toCoreEvent,
  toCoreJsonPatch,
  toCoreMergePatch,
} from '../../../src/recorder/core-v1-sink.ts';
import type { RecordedEvent } from '../../../src/recorder/event.ts';
import { Recorder } from '../../../src/recorder/recorder.ts';
import type { CoreEvent, Event, MicroTime, ObjectReference } from '../../../src/types.ts';
import { advance, advanceUntil } from '../../helpers/advance.ts';
import { seededRandom } from '../../sim/random.ts';
import { SimApiserver, type FaultWindow } from '../../sim/sim-apiserver.ts';

const micro = (text: string) => text as MicroTime;
const pod: ObjectReference = { apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: 'web-0', uid: 'u-1' };
const event: RecordedEvent = { type: 'Warning', reason: 'BackOff', action: 'Reconcile', note: 'image pull failed' };
const reporter = { controller: 'example.com/op', instance: 'op-0' };

const created: Event = {
  apiVersion: 'events.k8s.io/v1',
  kind: 'Event',
  metadata: { name: 'web-0.abc', namespace: 'shop' },
  eventTime: micro('2026-11-30T02:20:00.987654Z'),
  type: 'Warning',
  reason: 'BackOff',
  action: 'Reconcile',
  reportingController: 'example.com/op',
  reportingInstance: 'op-0',
  regarding: pod,
  related: { kind: 'Node', name: 'n1' },
  note: 'image pull failed',
};

describe('legacyFields: events.k8s.io bodies in core/v1 form', () => {
  it('a create carries every field under its core/v1 name, plus count, whole-second timestamps and source', () => {
    expect(toCoreEvent(created)).toEqual({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'web-0.abc', namespace: 'shop' },
      eventTime: '2026-11-30T02:20:00.987654Z',
      type: 'Warning',
      reason: 'BackOff',
      action: 'Reconcile',
      reportingComponent: 'example.com/op',
      reportingInstance: 'op-0',
      involvedObject: pod,
      related: { kind: 'Node', name: 'n1' },
      message: 'image pull failed',
      count: 1,
      firstTimestamp: '2026-11-30T02:20:00Z',
      lastTimestamp: '2026-11-30T02:20:00Z',
      source: { component: 'example.com/op', host: 'op-0' },
    });
  });

  it('a re-create of a series (after 404) carries its whole count and last time', () => {
    const series = { count: 7, lastObservedTime: micro('2026-11-30T02:21:09.000001Z') };
    expect(toCoreEvent({ ...created, series })).toMatchObject({
      series,
      count: 7,
      firstTimestamp: '2026-11-30T02:20:00Z',
      lastTimestamp: '2026-11-30T02:21:09Z',
    });
  });

  it('a series merge patch also moves count and lastTimestamp, in the same body', () => {
    const series = { count: 50, lastObservedTime: micro('2026-11-30T03:00:59.999999Z') };
    expect(toCoreMergePatch({ series })).toEqual({ series, count: 50, lastTimestamp: '2026-11-30T03:00:59Z' });
    expect(toCoreMergePatch({ note: 'x', regarding: { name: 'a' } })).toEqual({
      message: 'x',
      involvedObject: { name: 'a' },
    });
  });

  it('a claim (JSON Patch) tests the core/v1 paths and adds count and lastTimestamp with the series', () => {
    const series = { count: 3, lastObservedTime: micro('2026-11-30T02:20:02.500000Z') };
    expect(
      toCoreJsonPatch([
        { op: 'test', path: '/reportingController', value: 'example.com/op' },
        { op: 'test', path: '/regarding/name', value: 'web-0' },
        { op: 'test', path: '/reason', value: 'BackOff' },
        { op: 'add', path: '/series', value: series },
      ]),
    ).toEqual([
      { op: 'test', path: '/reportingComponent', value: 'example.com/op' },
      { op: 'test', path: '/involvedObject/name', value: 'web-0' },
      { op: 'test', path: '/reason', value: 'BackOff' },
      { op: 'add', path: '/series', value: series },
      { op: 'add', path: '/count', value: 3 },
      { op: 'add', path: '/lastTimestamp', value: '2026-11-30T02:20:02Z' },
    ]);
  });

  it('the answer reads back in events.k8s.io form', () => {
    const back = fromCoreEvent(toCoreEvent({ ...created, series: { count: 2, lastObservedTime: created.eventTime } }));
    expect(back).toEqual({ ...created, series: { count: 2, lastObservedTime: created.eventTime } });
  });
});

describe('legacyFields: bad input', () => {
  const coreSink = {
    create: () => Promise.reject(new Error('unused')),
    patch: () => Promise.reject(new Error('unused')),
  };
  const sink = { create: () => Promise.reject(new Error('unused')), patch: () => Promise.reject(new Error('unused')) };

  it("legacyFields: 'yes' is a ValidationError naming the option", () => {
    const options = { legacyFields: 'yes' } as unknown as { legacyFields: boolean };
    expect(() => new Recorder({ coreSink }, reporter, options)).toThrow(ValidationError);
    expect(() => new Recorder({ coreSink }, reporter, options)).toThrow(
      /options\.legacyFields: must be true or false, got "yes"/,
    );
  });

  it('a server-side apply has no core/v1 form in the sink: a ValidationError naming patch.type, nothing sent', async () => {
    const sent: unknown[] = [];
    const recording = {
      create: (e: CoreEvent) => (sent.push(e), Promise.resolve(e)),
      patch: (request: unknown) => (sent.push(request), Promise.reject(new Error('sent'))),
    };
    const patch = { apiVersion: 'events.k8s.io/v1' as const, kind: 'Event' as const, metadata: { name: 'e' } };
    await expect(
      coreV1Sink(recording).patch({ namespace: 'n', name: 'e', type: 'apply', patch, fieldManager: 'me' }),
    ).rejects.toThrow(/patch\.type: legacyFields: a apply patch/);
    expect(sent).toEqual([]);
  });

  it('an events.k8s.io-only target in the mode, and a core/v1 target without it, are refused', () => {
    expect(() => new Recorder({ sink }, reporter, { legacyFields: true })).toThrow(
      /options\.legacyFields: writes core\/v1 Events/,
    );
    expect(() => new Recorder({ events: sink }, reporter, { legacyFields: true })).toThrow(/connect\(\)/);
    expect(() => new Recorder({ coreSink }, reporter)).toThrow(/options\.legacyFields: .*set legacyFields: true/);
  });
});

describe('legacyFields: a Recorder on the simulated apiserver, core/v1', () => {
  function setup(windows: FaultWindow[] = [], ttlMs = 60 * 60_000) {
    const clock = new ManualClock();
    const random = seededRandom(3);
    const config = {
      ttlMs,
      latencyMs: { min: 2, max: 10 },
      windows,
      backgroundFaultP: 0,
      collisionP: 0,
      foreignDeletesMs: [],
    };
    const server = new SimApiserver(clock, config, random, () => undefined);
    const errors: KubeEventsError[] = [];
    const recorder = new Recorder({ coreSink: server.coreSink }, reporter, {
      clock,
      random: () => random.float(),
      writeBudget: false,
      legacyFields: true,
      onError: (error) => errors.push(error),
    });
    const stored = (name: string) => server.events.get(`shop/${name}`)?.event as CoreEvent | undefined;
    return { clock, server, recorder, errors, stored };
  }

  it('a series of 50 ends as one core/v1 Event with count 50, series.count 50 and lastTimestamp at the last one', async () => {
    const { clock, server, recorder, stored } = setup();
    const first = await advanceUntil(clock, recorder.publish(event, pod));
    for (let i = 1; i < 50; i++) {
      await advance(clock, 1_000);
      recorder.emit(event, pod);
    }
    await advanceUntil(clock, recorder.flush());
    const stored50 = stored(first.value.name);
    expect(stored50).toMatchObject({
      count: 50,
      series: { count: 50 },
      source: { component: 'example.com/op', host: 'op-0' },
    });
    expect(stored50?.lastTimestamp).toBe(`${stored50?.series?.lastObservedTime?.slice(0, 19) ?? ''}Z`);
    expect(stored50?.firstTimestamp).toBe(`${stored50?.eventTime?.slice(0, 19) ?? ''}Z`);
    expect(server.inconsistencies).toEqual([]);
  });

  it('an Event expired in the middle of a series is re-created with the whole count; an outage loses nothing', async () => {
    const outage: FaultWindow = { kind: 'outage', startMs: 5_000, endMs: 9_000, p: 1 };
    const { clock, server, recorder, errors } = setup([outage], 20_000);
    await advanceUntil(clock, recorder.publish(event, pod));
    for (let i = 1; i < 30; i++) {
      await advance(clock, i === 15 ? 25_000 : 500);
      recorder.emit(event, pod);
    }
    const { value: report } = await advanceUntil(clock, recorder.close());
    expect(report.lost).toBe(0);
    expect(errors.filter((e) => e.name === 'EventsLostError')).toEqual([]);
    expect([...server.countsByKey().values()].reduce((sum, entry) => sum + entry.count, 0)).toBe(30);
    expect(server.inconsistencies).toEqual([]);
  });
});
