/**
 * The accounting invariant against the real kube-apiserver, with the fault proxy in front of it:
 * the cases the simulation (test/sim) explores, confirmed on the real thing. Each test reads the
 * server's counts with the admin identity: what is there plus what the Recorder reported lost is
 * every occurrence it accepted.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../../src/connection/index.ts';
import { EventsLostError, type KubeEventsError } from '../../src/errors.ts';
import { Recorder } from '../../src/recorder/recorder.ts';
import type { RecorderOptions } from '../../src/recorder/options.ts';
import type { ObjectReference } from '../../src/types.ts';
import { sleep } from '../../src/util/sleep.ts';
import { startFaultProxy, type FaultProxy } from '../../tools/fault-proxy.ts';
import { closeConnections, connectAs, freshNamespace, kube } from './env.ts';
import { emptyLost } from '../../src/recorder/stats.ts';

const reporter = { controller: 'kube-events.test/accounting', instance: 'accounting-0' };
const occurrence = { type: 'Warning' as const, reason: 'BackOff', action: 'Reconcile', note: 'accounting' };

let ns: string;
let admin: Connection;
let proxy: FaultProxy;
let writer: Connection;
let errors: KubeEventsError[];
/** While true every request is refused: half reset before it reaches the server, half answered 503. */
let down = false;

beforeAll(async () => {
  ns = await freshNamespace('accounting');
  admin = await connectAs('admin');
});
afterAll(closeConnections);
beforeEach(async () => {
  down = false;
  errors = [];
  proxy = await startFaultProxy({
    upstream: kube().info.server,
    caFile: kube().info.caFile,
    allowRemote: kube().external,
  });
  proxy.setRule((request) => {
    if (!down) return undefined;
    return request.nth % 2 === 0 ? { kind: 'reset-before' } : { kind: 'status', status: 503 };
  });
  // Few connection retries: the outage reaches the Recorder, whose retries are under test.
  writer = await connect({
    kubeconfig: proxy.kubeconfig(kube().info.tokens['events-writer'], ns),
    rateLimit: false,
    retry: { maxRetries: 1, baseDelayMs: 100 },
  });
});
afterEach(async () => {
  await writer.close();
  await proxy.close();
});

const pod = (name: string): ObjectReference => ({
  apiVersion: 'v1',
  kind: 'Pod',
  namespace: ns,
  name,
  uid: `uid-${name}`,
});
const recorderWith = (options: RecorderOptions = {}): Recorder =>
  new Recorder(writer, reporter, { minWriteIntervalMs: 100, onError: (error) => errors.push(error), ...options });

/** The counts on the server about `name`, one per Event. */
async function counts(name: string): Promise<number[]> {
  const events = await admin.events.list({ namespace: ns, fieldSelector: `regarding.name=${name}` });
  return events.items.map((event) => event.series?.count ?? 1);
}

const lostErrors = (): EventsLostError[] =>
  errors.filter((error): error is EventsLostError => error instanceof EventsLostError);

describe('every occurrence accounted for, on the real apiserver', () => {
  it('an outage from the very first write of a series: the exact count lands after it', async () => {
    const recorder = recorderWith();
    down = true;
    const first = await recorder.publish(occurrence, pod('first-write'));
    expect(first).toMatchObject({ count: 1, write: 'coalesced' });
    for (let i = 1; i < 60; i++) {
      recorder.emit(occurrence, pod('first-write'));
      await sleep(50);
    }
    down = false;
    const report = await recorder.close({ timeoutMs: 20_000 });
    expect(report).toMatchObject({ series: 1, written: 60, lost: 0 });
    expect(await counts('first-write')).toEqual([60]);
    expect(recorder.stats().writeAttempts).toBeGreaterThan(recorder.stats().writes);
  });

  it('a reset after the server applied a create: the retry claims the Event, one Event, exact count', async () => {
    proxy.setRule((request) =>
      request.method === 'POST' && request.nthOfMethod === 1 ? { kind: 'reset-after' } : undefined,
    );
    const recorder = recorderWith();
    for (let i = 0; i < 5; i++) await recorder.publish(occurrence, pod('reset-after-create'));
    await recorder.close();
    expect(await counts('reset-after-create')).toEqual([5]);
    expect(proxy.reachedServer({ method: 'POST' })).toBe(2); // the applied create and its retry (409)
    expect(proxy.count({ method: 'PATCH', path: new RegExp(`/namespaces/${ns}/events/`) })).toBeGreaterThanOrEqual(1);
    expect(recorder.stats().lost).toEqual(emptyLost());
  });

  it('eviction (maxSeries 1) during an outage: both series land with their counts', async () => {
    const recorder = recorderWith({ maxSeries: 1 });
    down = true;
    for (let i = 0; i < 3; i++) recorder.emit(occurrence, pod('evicted-a'));
    recorder.emit(occurrence, pod('evicted-b'));
    await sleep(1_000);
    down = false;
    expect(await recorder.close({ timeoutMs: 20_000 })).toMatchObject({ lost: 0 });
    expect(await counts('evicted-a')).toEqual([3]);
    expect(await counts('evicted-b')).toEqual([1]);
  });

  it('a 10 s outage in the middle of a storm: the exact count after close()', async () => {
    const recorder = recorderWith();
    let total = 0;
    const storm = async (ms: number): Promise<void> => {
      for (const end = Date.now() + ms; Date.now() < end; total++) {
        recorder.emit(occurrence, pod('mid-storm'));
        await sleep(20);
      }
    };
    await storm(2_000);
    down = true;
    await storm(10_000);
    down = false;
    await storm(2_000);
    expect(await recorder.close({ timeoutMs: 20_000 })).toMatchObject({ lost: 0 });
    expect(await counts('mid-storm')).toEqual([total]);
    expect(recorder.stats().published).toBe(total);
  });

  it('close() during an outage with a 2 s deadline returns by it and names what was lost', async () => {
    const recorder = recorderWith();
    for (let i = 0; i < 3; i++) await recorder.publish(occurrence, pod('close-outage-live'));
    await recorder.flush();
    down = true;
    for (let i = 0; i < 4; i++) recorder.emit(occurrence, pod('close-outage-live'));
    for (let i = 0; i < 2; i++) recorder.emit(occurrence, pod('close-outage-new'));
    const began = performance.now();
    const report = await recorder.close({ timeoutMs: 2_000 });
    const tookMs = performance.now() - began;
    expect(tookMs).toBeLessThan(4_000); // the 2 s deadline, with room for a loaded machine
    expect(report).toEqual({
      series: 2,
      written: 0,
      lost: 6,
      lostByReason: { ...emptyLost(), 'shutdown-deadline': 6 },
    });
    const named = lostErrors().map((error) => [error.series.name, error.occurrences, error.reason]);
    expect(named.sort()).toEqual([
      ['close-outage-live', 4, 'shutdown-deadline'],
      ['close-outage-new', 2, 'shutdown-deadline'],
    ]);
    down = false;
    // On the server: what was written before the outage, and nothing of the new series.
    expect(await counts('close-outage-live')).toEqual([3]);
    expect(await counts('close-outage-new')).toEqual([]);
  });
});
