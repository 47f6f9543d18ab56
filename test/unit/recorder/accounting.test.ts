/**
 * The accounting invariant, case by case: every accepted occurrence ends on the server or is
 * reported lost. The simulated apiserver (test/sim) answers with the real server's semantics.
 */
import { describe, expect, it } from 'vitest';
import { EventsLostError, FlushTimeoutError, ValidationError, type KubeEventsError } from '../../../src/errors.ts';
import { ManualClock } from '../../../src/recorder/clock.ts';
import type { RecordedEvent } from '../../../src/recorder/event.ts';
import type { RecorderOptions } from '../../../src/recorder/options.ts';
import { Recorder } from '../../../src/recorder/recorder.ts';
import { emptyLost } from '../../../src/recorder/stats.ts';
import type { ObjectReference } from '../../../src/types.ts';
import { advance, advanceUntil } from '../../helpers/advance.ts';
import { seededRandom } from '../../sim/random.ts';
import { SimApiserver, type FaultWindow } from '../../sim/sim-apiserver.ts';

const event: RecordedEvent = { type: 'Warning', reason: 'BackOff', action: 'Reconcile', note: 'image pull failed' };
const pod = (name = 'web-0'): ObjectReference => ({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name });
const SECOND = 1_000;
const MINUTE = 60 * SECOND;

function setup(windows: FaultWindow[], options: RecorderOptions = {}) {
  const clock = new ManualClock();
  const random = seededRandom(7);
  const server = new SimApiserver(
    clock,
    {
      ttlMs: 60 * MINUTE,
      latencyMs: { min: 2, max: 10 },
      windows,
      backgroundFaultP: 0,
      collisionP: 0,
      foreignDeletesMs: [],
    },
    random,
    () => undefined,
  );
  const errors: KubeEventsError[] = [];
  const recorder = new Recorder(
    { sink: server },
    { controller: 'example.com/op', instance: 'op-0' },
    { clock, random: () => random.float(), writeBudget: false, onError: (error) => errors.push(error), ...options },
  );
  const onServer = (name = 'web-0'): number =>
    [...server.history.values()].filter((h) => h.key === `${name}/BackOff`).reduce((sum, h) => sum + h.maxCount, 0);
  return { clock, server, recorder, errors, onServer };
}

const outage = (startMs: number, endMs: number): FaultWindow => ({ kind: 'outage', startMs, endMs, p: 1 });

describe('Recorder accounting', () => {
  it('a 5 s outage from the first write of a storm loses nothing: close() writes the exact count', async () => {
    const { clock, recorder, onServer, errors } = setup([outage(0, 5 * SECOND)]);
    const first = await advanceUntil(clock, recorder.publish(event, pod()));
    expect(first.value).toMatchObject({ count: 1, write: 'coalesced' });
    for (let i = 1; i < 110; i++) {
      await advance(clock, 40);
      recorder.emit(event, pod());
    }
    const { value: report } = await advanceUntil(clock, recorder.close());
    expect(report).toEqual({
      series: 1,
      written: 110,
      lost: 0,
      lostByReason: emptyLost(),
    });
    expect(onServer()).toBe(110);
    expect(recorder.stats()).toMatchObject({ published: 110, created: 1, lost: { 'shutdown-deadline': 0 } });
    expect(errors.filter((e) => e instanceof EventsLostError)).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('counts successful writes apart from attempts', async () => {
    const { clock, recorder } = setup([outage(0, 3 * SECOND)]);
    recorder.emit(event, pod());
    await advance(clock, 10 * SECOND);
    const stats = recorder.stats();
    expect(stats).toMatchObject({ created: 1, patched: 0, writes: 1 });
    expect(stats.writeAttempts).toBeGreaterThan(1);
    expect(stats.failed.NetworkError).toBe(stats.writeAttempts - 1);
  });

  it('eviction (maxSeries 1) before the first create succeeded still writes the evicted count', async () => {
    const { clock, recorder, onServer } = setup([outage(0, 10 * SECOND)], { maxSeries: 1 });
    for (let i = 0; i < 3; i++) recorder.emit(event, pod('a'));
    recorder.emit(event, pod('b')); // evicts a
    expect(recorder.stats().cacheSize).toBe(1);
    await advance(clock, 40 * SECOND);
    expect(onServer('a')).toBe(3);
    expect(onServer('b')).toBe(1);
    expect((await advanceUntil(clock, recorder.close())).value.lost).toBe(0);
  });

  it('idle retirement of a series that was never created creates it with its count', async () => {
    const { clock, recorder, onServer } = setup([outage(0, 20 * SECOND)], { idleTimeoutMs: 5 * SECOND });
    for (let i = 0; i < 4; i++) recorder.emit(event, pod());
    await advance(clock, 60 * SECOND);
    expect(recorder.stats().cacheSize).toBe(0);
    expect(onServer()).toBe(4);
  });

  it('a 10-minute outage loses nothing: the exact counts land once the apiserver is back', async () => {
    const { clock, recorder, onServer } = setup([outage(30 * SECOND, 10 * MINUTE + 30 * SECOND)]);
    let occurrences = 0;
    for (let t = 0; t < 11 * MINUTE; t += 5 * SECOND) {
      recorder.emit(event, pod());
      recorder.emit(event, pod(`distinct-${t}`));
      occurrences += 1;
      await advance(clock, 5 * SECOND);
    }
    await advanceUntil(clock, recorder.flush());
    expect(onServer()).toBe(occurrences);
    expect(recorder.stats().lost).toEqual(emptyLost());
  });

  it('close() during an outage returns by its deadline and reports what was lost', async () => {
    const { clock, recorder, errors } = setup([outage(0, 60 * MINUTE)]);
    const first = recorder.publish(event, pod());
    for (let i = 0; i < 4; i++) recorder.emit(event, pod());
    recorder.emit(event, pod('other'));
    await advance(clock, 3 * SECOND);
    const { value: report, tookMs } = await advanceUntil(clock, recorder.close({ timeoutMs: 2 * SECOND }));
    expect(tookMs).toBeLessThanOrEqual(2 * SECOND);
    expect(report).toEqual({
      series: 2,
      written: 0,
      lost: 6,
      lostByReason: { ...emptyLost(), 'shutdown-deadline': 6 },
    });
    expect(await first).toMatchObject({ write: 'coalesced' });
    const lost = errors.filter((e): e is EventsLostError => e instanceof EventsLostError);
    expect(lost.map((e) => [e.series.name, e.occurrences, e.reason]).sort()).toEqual([
      ['other', 1, 'shutdown-deadline'],
      ['web-0', 5, 'shutdown-deadline'],
    ]);
    expect(lost.find((e) => e.series.name === 'web-0')?.message).toMatch(
      /5 occurrence\(s\) of BackOff about Pod default\/web-0 lost \(shutdown-deadline\)/,
    );
    expect(recorder.stats().lost['shutdown-deadline']).toBe(6);
    expect(clock.pendingTimers).toBe(0);
    // A second close() returns the first one's report.
    expect(await recorder.close()).toBe(report);
  });

  it('flush({ timeoutMs }) rejects with FlushTimeoutError during an outage and keeps the counts', async () => {
    const { clock, recorder, onServer } = setup([outage(0, 30 * SECOND)]);
    for (let i = 0; i < 3; i++) recorder.emit(event, pod());
    const flushed = advanceUntil(clock, recorder.flush({ timeoutMs: 5 * SECOND }));
    await expect(flushed).rejects.toBeInstanceOf(FlushTimeoutError);
    await expect(flushed).rejects.toMatchObject({ pendingSeries: 1 });
    await advance(clock, 60 * SECOND);
    expect(onServer()).toBe(3);
    expect(recorder.stats().lost['shutdown-deadline']).toBe(0);
  });

  it('a reset after the server applied a create: the retry claims the Event under its name and keeps the count', async () => {
    const resetAfterApply: FaultWindow = { kind: 'reset-after-apply', startMs: 0, endMs: 1, p: 1 };
    const { clock, server, recorder } = setup([resetAfterApply]);
    expect((await advanceUntil(clock, recorder.publish(event, pod()))).value).toMatchObject({ write: 'coalesced' });
    for (let i = 0; i < 4; i++) recorder.emit(event, pod());
    await advanceUntil(clock, recorder.flush());
    expect(server.events.size).toBe(1);
    const [stored] = server.events.values();
    expect(stored?.event.series?.count).toBe(5);
    expect(recorder.stats()).toMatchObject({ created: 0, patched: 1, writes: 1 });
  });

  it('rejects bad deadlines by name', async () => {
    const { clock, recorder } = setup([]);
    await expect(recorder.close({ timeoutMs: -1 })).rejects.toThrow(ValidationError);
    await expect(recorder.close({ timeoutMs: -1 })).rejects.toThrow(/timeoutMs: must be a finite number/);
    await expect(recorder.flush({ timeoutMs: Number.NaN })).rejects.toMatchObject({ field: 'timeoutMs' });
    // A rejected close() did not close.
    expect((await advanceUntil(clock, recorder.publish(event, pod()))).value).toMatchObject({ write: 'created' });
  });
});
