/**
 * The Recorder under faults, against the real kube-apiserver: 429s, 5xx answers and connection
 * resets injected by the fault proxy on its writes, and an apiserver restart in the middle of a
 * storm (on a harness of this file's own, so the shared one is not disturbed). Whatever happens on
 * the way, the count on the server after close() is exactly the number of occurrences.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../../src/connection/index.ts';
import type { KubeEventsError } from '../../src/errors.ts';
import { Recorder } from '../../src/recorder/recorder.ts';
import type { RecorderOptions } from '../../src/recorder/options.ts';
import type { Event, ObjectReference } from '../../src/types.ts';
import { sleep } from '../../src/util/sleep.ts';
import { control, startHarness, type HarnessInfo, type RunningHarness } from '../../tools/harness/start.ts';
import { startFaultProxy, type FaultProxy, type FaultRule } from '../../tools/fault-proxy.ts';
import { closeConnections, connectAs, freshNamespace, kube } from './env.ts';

const reporter = { controller: 'kube-events.test/faults', instance: 'faults-0' };
const occurrence = { type: 'Warning' as const, reason: 'BackOff', action: 'Reconcile', note: 'storm' };
/** Short write intervals, so that a storm of a few seconds makes dozens of writes to fault. */
const busyWrites: RecorderOptions = { minWriteIntervalMs: 10, maxWriteIntervalMs: 50 };

let ns: string;
let admin: Connection;

/** Counts unhandled rejections while a test runs. */
let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

beforeAll(async () => {
  ns = await freshNamespace('faults');
  admin = await connectAs('admin');
});
afterAll(closeConnections);
beforeEach(() => {
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});

const pod = (name: string, namespace = ns): ObjectReference => ({
  apiVersion: 'v1',
  kind: 'Pod',
  namespace,
  name,
  uid: `uid-${name}`,
});

async function eventsAbout(name: string, api: Connection = admin, namespace = ns): Promise<Event[]> {
  return (await api.events.list({ namespace, fieldSelector: `regarding.name=${name}` })).items;
}

/**
 * `total` occurrences of one event, every fourth one by emit(), the others by an awaited publish,
 * `pauseMs` apart. Returns how many were made.
 */
async function storm(recorder: Recorder, regarding: ObjectReference, total: number, pauseMs: number): Promise<number> {
  for (let i = 0; i < total; i++) {
    if (i % 4 === 3) recorder.emit(occurrence, regarding);
    else await recorder.publish(occurrence, regarding);
    await sleep(pauseMs);
  }
  return total;
}

describe('the Recorder behind the fault proxy (events-writer)', () => {
  let proxy: FaultProxy;
  let writer: Connection;
  let errors: KubeEventsError[];

  beforeEach(async () => {
    proxy = await startFaultProxy({
      upstream: kube().info.server,
      caFile: kube().info.caFile,
      allowRemote: kube().external,
    });
    // No client-side rate limit: every write the Recorder wants reaches the proxy to be faulted.
    writer = await connect({ kubeconfig: proxy.kubeconfig(kube().info.tokens['events-writer'], ns), rateLimit: false });
    errors = [];
  });
  afterEach(async () => {
    await writer.close();
    await proxy.close();
  });

  const recorderWith = (options: RecorderOptions = {}) =>
    new Recorder(writer, reporter, { ...busyWrites, ...options, onError: (error) => errors.push(error) });

  it('a storm with 429 + Retry-After on a tenth of the writes and a few resets: one POST, the exact count', async () => {
    const resets: Record<number, 'reset-before' | 'reset-after'> = {
      4: 'reset-after',
      7: 'reset-before',
      13: 'reset-after',
    };
    const rule: FaultRule = (request) => {
      if (request.method === 'POST' && request.nthOfMethod === 1)
        return { kind: 'status', status: 429, retryAfterSeconds: 1 };
      if (request.method !== 'PATCH') return undefined;
      const reset = resets[request.nthOfMethod];
      if (reset !== undefined) return { kind: reset };
      return request.nthOfMethod % 10 === 0 ? { kind: 'status', status: 429, retryAfterSeconds: 1 } : undefined;
    };
    proxy.setRule(rule);
    const recorder = recorderWith();
    const regarding = pod('storm-429');
    const total = await storm(recorder, regarding, 300, 10);
    await recorder.close();

    const events = await eventsAbout('storm-429');
    expect(events).toHaveLength(1);
    expect(events[0]?.series?.count).toBe(total);
    expect(proxy.reachedServer({ method: 'POST' })).toBe(1);
    expect(recorder.stats()).toMatchObject({ published: total, created: 1, dropped: { overload: 0 } });
    expect(unhandled).toEqual([]);
    // The faults did happen: the 429 on the create, at least one on a PATCH, and the three resets.
    expect(proxy.count({ method: 'POST', outcome: 'status' })).toBe(1);
    expect(proxy.count({ method: 'PATCH', outcome: 'status' })).toBeGreaterThanOrEqual(1);
    expect(proxy.count({ method: 'PATCH', outcome: ['reset-before', 'reset-after'] })).toBe(3);
    // A reset PATCH is not retried by the connection; the Recorder reports it and writes the count again.
    expect(errors.filter((error) => error.name === 'NetworkError')).toHaveLength(3);
  });

  it('500 and 503 answers (with and without Retry-After) on coalesced writes are absorbed: exact count', async () => {
    const faults: Record<number, { status: number; retryAfterSeconds?: number }> = {
      3: { status: 500 },
      4: { status: 500 },
      6: { status: 503 },
      8: { status: 503, retryAfterSeconds: 1 },
      9: { status: 500 },
    };
    proxy.setRule((request) => {
      const fault = request.method === 'PATCH' ? faults[request.nthOfMethod] : undefined;
      return fault === undefined ? undefined : { kind: 'status', ...fault };
    });
    const recorder = recorderWith();
    const total = await storm(recorder, pod('storm-5xx'), 200, 10);
    await recorder.close();

    const events = await eventsAbout('storm-5xx');
    expect(events).toHaveLength(1);
    expect(events[0]?.series?.count).toBe(total);
    expect(proxy.reachedServer({ method: 'POST' })).toBe(1);
    expect(proxy.count({ method: 'PATCH', outcome: 'status' })).toBe(5);
    // 500 and 503 without Retry-After reach the Recorder (the connection retries only with Retry-After).
    expect(errors.map((error) => (error as KubeEventsError & { status?: number }).status).sort()).toEqual([
      500, 500, 500, 503,
    ]);
    expect(unhandled).toEqual([]);
  });

  it('500s on the final writes that close() makes are absorbed too: exact count', async () => {
    // Long intervals: after the first two occurrences nothing is written until close().
    const recorder = recorderWith({ minWriteIntervalMs: 60_000, maxWriteIntervalMs: 60_000 });
    const regarding = pod('close-5xx');
    const total = await storm(recorder, regarding, 20, 0);
    expect(proxy.reachedServer({ method: 'PATCH' })).toBe(1);
    // The next three PATCHes (close()'s final write and its first retries) are answered 500.
    proxy.setRule((request) =>
      request.method === 'PATCH' && request.nthOfMethod >= 2 && request.nthOfMethod <= 4
        ? { kind: 'status', status: 500 }
        : undefined,
    );
    const closed = await recorder.close().then(
      () => 'closed',
      (error: unknown) => `close() rejected: ${(error as Error).message}`,
    );
    const events = await eventsAbout('close-5xx');
    expect({ closed, count: events[0]?.series?.count }).toEqual({ closed: 'closed', count: total });
    expect(unhandled).toEqual([]);
  });

  it('a write stalled by 429 + Retry-After counts as one pending write, so a new series is not dropped as overload', async () => {
    // Every PATCH from the second on waits 1 s for its 429 before it succeeds.
    proxy.setRule((request) =>
      request.method === 'PATCH' && request.nthOfMethod >= 2 && request.nthOfMethod % 2 === 0
        ? { kind: 'status', status: 429, retryAfterSeconds: 1 }
        : undefined,
    );
    const recorder = recorderWith({ maxPendingWrites: 50 });
    let maxPending = 0;
    const regarding = pod('stalled');
    for (let i = 0; i < 150; i++) {
      await recorder.publish(occurrence, regarding);
      maxPending = Math.max(maxPending, recorder.stats().pendingWrites);
      await sleep(10);
    }
    // One series has at most a write in flight and one queued behind it.
    const other = await recorder.publish(occurrence, pod('stalled-other')).then(
      (result) => result.write,
      (error: unknown) => `rejected: ${(error as Error).message}`,
    );
    await recorder.close();
    expect({ other, maxPending, overload: recorder.stats().dropped.overload }).toEqual({
      other: 'created',
      maxPending: expect.any(Number) as number,
      overload: 0,
    });
    expect(maxPending).toBeLessThanOrEqual(2);
    expect((await eventsAbout('stalled'))[0]?.series?.count).toBe(150);
  });
});

describe('the apiserver restarted in the middle of a storm', () => {
  let harness: RunningHarness;
  let info: HarnessInfo;
  let adminOwn: Connection;

  beforeAll(async () => {
    harness = await startHarness(kube().apiserverBinary);
    info = harness.info;
    adminOwn = await connectAs('admin', { info });
  });
  afterAll(async () => {
    await closeConnections();
    await harness.stop();
  });

  it('with default connection and Recorder settings, no count is lost: exact counts after close()', async () => {
    // Defaults everywhere (retries, rate limit, write schedule), plus a Recorder that writes often
    // so that some of its writes surely fall into the outage.
    const writer = await connect({ kubeconfig: info.kubeconfigs['events-writer'] });
    const series = [
      { recorder: new Recorder(writer, reporter), regarding: pod('restart-defaults', 'default'), count: 0 },
      { recorder: new Recorder(writer, reporter, busyWrites), regarding: pod('restart-busy', 'default'), count: 0 },
    ];
    const rejected: unknown[] = [];
    const occur = async (one: (typeof series)[number]): Promise<void> => {
      one.count += 1;
      try {
        if (one.count % 5 === 0) one.recorder.emit(occurrence, one.regarding);
        else await one.recorder.publish(occurrence, one.regarding);
      } catch (error) {
        rejected.push(error);
      }
    };
    // Both Events exist, with a series, before the restart.
    for (const one of series) for (let i = 0; i < 3; i++) await occur(one);

    let restarting = true;
    const restart = sleep(1_000)
      .then(() => control(info, 'restart'))
      .finally(() => (restarting = false));
    // Occurrences every ~20 ms: before, throughout the ~3.5 s restart, and for 100 rounds after it.
    for (let after = 0; restarting || after < 100; after += restarting ? 0 : 1) {
      for (const one of series) await occur(one);
      await sleep(20);
    }
    await restart;
    await Promise.all(series.map((one) => one.recorder.close()));
    await writer.close();

    const onServer = [];
    for (const one of series) {
      const events = await eventsAbout(one.regarding.name ?? '', adminOwn, 'default');
      onServer.push({ name: one.regarding.name, counts: events.map((event) => event.series?.count ?? 1) });
    }
    const failures = JSON.stringify(series.map((one) => one.recorder.stats().failed));
    expect(onServer, `write failures by reason: ${failures}`).toEqual(
      series.map((one) => ({ name: one.regarding.name, counts: [one.count] })),
    );
    expect(rejected).toEqual([]);
    expect(unhandled).toEqual([]);
  });
});
