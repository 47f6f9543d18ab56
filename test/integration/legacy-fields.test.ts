/**
 * What consumers see of a kube-events series, with and without legacyFields, on the real
 * apiserver: a consumer nobody here wrote (the OpenTelemetry Collector's k8seventsreceiver,
 * built from the Go module proxy, see test/consumers/otel-k8sevents), core/v1 readers and kubectl.
 * The README's table ("What each consumer sees") is these results.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../../src/connection/index.ts';
import { isForbidden } from '../../src/errors.ts';
import { objectRef } from '../../src/recorder/object-ref.ts';
import { Recorder } from '../../src/recorder/recorder.ts';
import type { CoreEvent, ObjectReference } from '../../src/types.ts';
import { parseMicroTime } from '../../src/micro-time.ts';
import { ensureConsumer } from '../consumers/build.ts';
import { startReceiver, type ReceiverRecord, type RunningReceiver } from '../consumers/otel-receiver.ts';
import { startFaultProxy, type FaultProxy } from '../../tools/fault-proxy.ts';
import { closeConnections, connectAs, freshNamespace, kube, kubectl } from './env.ts';
import { emptyLost } from '../../src/recorder/stats.ts';

const reporter = { controller: 'kube-events.test/legacy', instance: 'legacy-0' };
const backOff = { type: 'Warning' as const, reason: 'BackOff', action: 'Reconcile', note: 'back-off pulling image' };
let ns: string;
let admin: Connection;
let receiver: RunningReceiver;

async function pod(name: string): Promise<ObjectReference> {
  await kubectl(['run', name, '-n', ns, '--image', 'registry.invalid/app:1', '--restart', 'Never']);
  return objectRef(
    JSON.parse(await kubectl(['get', 'pod', name, '-n', ns, '-o', 'json'])) as Parameters<typeof objectRef>[0],
  );
}

const pods = new Map<string, Promise<ObjectReference>>();
/** The same Pod for every test that names it. */
function podOnce(name: string): Promise<ObjectReference> {
  const existing = pods.get(name) ?? pod(name);
  pods.set(name, existing);
  return existing;
}

/** Publishes `count` occurrences about a new Pod and flushes; the Event's name and the writes made. */
async function series(podName: string, legacyFields: boolean, count = 50) {
  const recorder = new Recorder(admin, reporter, { legacyFields });
  const regarding = await pod(podName);
  let name = '';
  for (let i = 0; i < count; i++) name = (await recorder.publish(backOff, regarding)).name;
  await recorder.flush();
  const { writes } = recorder.stats();
  await recorder.close();
  return { name, writes };
}

/** The receiver's records about one Event, once it has seen every write (one watch change each). */
function recordsOf(name: string, writes: number): Promise<ReceiverRecord[]> {
  return receiver.waitFor(
    (record) => record.attributes['k8s.event.name'] === name,
    (matching) => matching.length >= writes,
  );
}

const micros = (time: string): bigint => parseMicroTime(time).epochMicroseconds;

beforeAll(async () => {
  const binary = await ensureConsumer('otel-k8sevents');
  ns = await freshNamespace('legacy');
  admin = await connectAs('admin');
  receiver = await startReceiver(binary, kube().info.kubeconfigs.admin, ns);
});

afterAll(async () => {
  await receiver.stop();
  await closeConnections();
});

describe('a series of 50 as consumers see it', () => {
  it('default mode: the receiver has no k8s.event.count; core/v1 reads count, lastTimestamp and source empty', async () => {
    const { name, writes } = await series('plain', false);
    const records = await recordsOf(name, writes);
    const last = records.at(-1)!;
    expect(last.attributes['k8s.event.count']).toBeUndefined();
    expect(last.attributes).toMatchObject({ 'k8s.event.reason': 'BackOff', 'k8s.event.action': 'Reconcile' });
    expect(last.resource).toMatchObject({ 'k8s.object.kind': 'Pod', 'k8s.object.name': 'plain', 'k8s.node.name': '' });
    const core = await admin.coreEvents.read({ namespace: ns, name });
    expect(core.count ?? undefined).toBeUndefined();
    expect(core.firstTimestamp ?? undefined).toBeUndefined();
    expect(core.lastTimestamp ?? undefined).toBeUndefined();
    expect(core.source ?? {}).toEqual({});
    expect(core.series?.count).toBe(50);
    // The receiver stamps each record with eventTime (its first choice), the series' first occurrence.
    expect(micros(last.timestamp)).toBe(micros(core.eventTime ?? ''));
  });

  it('legacyFields: the receiver reports k8s.event.count 50; core/v1 reads count, timestamps and source', async () => {
    const { name, writes } = await series('legacy', true);
    const records = await recordsOf(name, writes);
    const counts = records.map((record) => record.attributes['k8s.event.count']);
    expect(counts[0]).toBe(1);
    expect(counts.at(-1)).toBe(50);
    const last = records.at(-1)!;
    expect(last.attributes).toMatchObject({ 'k8s.event.reason': 'BackOff', 'k8s.event.action': 'Reconcile' });
    expect(last.resource).toMatchObject({
      'k8s.object.kind': 'Pod',
      'k8s.object.name': 'legacy',
      // source.host: the reporter's instance (kubectl falls back from one to the other).
      'k8s.node.name': reporter.instance,
    });
    const core = await admin.coreEvents.read({ namespace: ns, name });
    expect(core).toMatchObject({
      count: 50,
      series: { count: 50 },
      source: { component: reporter.controller, host: reporter.instance },
      reportingComponent: reporter.controller,
      reportingInstance: reporter.instance,
    });
    expect(core.firstTimestamp).toBe(`${(core.eventTime ?? '').slice(0, 19)}Z`);
    expect(core.lastTimestamp).toBe(`${(core.series?.lastObservedTime ?? '').slice(0, 19)}Z`);
    expect(micros(last.timestamp)).toBe(micros(core.eventTime ?? ''));
    // events.k8s.io/v1 readers see the same Event, legacy fields as deprecated*.
    const event = await admin.events.read({ namespace: ns, name });
    expect(event).toMatchObject({
      deprecatedCount: 50,
      series: { count: 50 },
      reportingController: reporter.controller,
    });
  });

  it('legacyFields: kubectl describe and kubectl events still show (x50 over …)', async () => {
    const row = /Warning\s+BackOff\s+\S+ \(x50 over \S+\)\s+kube-events\.test\/legacy\s+back-off pulling image/;
    expect(await kubectl(['describe', 'pod', 'legacy', '-n', ns])).toMatch(row);
    expect(await kubectl(['events', '-n', ns, '--for', 'pod/legacy'])).toMatch(
      /\S+ \(x50 over \S+\)\s+Warning\s+BackOff\s+Pod\/legacy\s+back-off pulling image/,
    );
  });

  it('kubectl get events -o wide reads COUNT 50 in both modes (its printer falls back to series.count)', async () => {
    const wide = await kubectl(['get', 'events', '-n', ns, '-o', 'wide', '--field-selector', 'reason=BackOff']);
    expect(wide).toMatch(/pod\/plain\s+kube-events\.test\/legacy, legacy-0\s+back-off pulling image\s+\S+\s+50\s/);
    expect(wide).toMatch(/pod\/legacy\s+kube-events\.test\/legacy, legacy-0\s+back-off pulling image\s+\S+\s+50\s/);
  });

  it.each([
    // Without lastTimestamp the sort keeps the server's order (by name): the Event that recurred last is not last.
    [
      false,
      'PlainProbe',
      [
        ['sort-first', '<none>'],
        ['sort-second', '<none>'],
      ],
    ],
    [
      true,
      'LegacyProbe',
      [
        ['sort-second', '1'],
        ['sort-first', '2'],
      ],
    ],
  ])(
    'legacyFields %s: kubectl get events --sort-by=.lastTimestamp gives %s rows %j',
    async (legacyFields, reason, expected) => {
      const recorder = new Recorder(admin, reporter, { legacyFields, minWriteIntervalMs: 10 });
      const [first, second] = [await podOnce('sort-first'), await podOnce('sort-second')];
      const probe = { type: 'Normal' as const, reason, action: 'Check' };
      const pause = () => new Promise((resolveWait) => setTimeout(resolveWait, 1_100));
      await recorder.publish(probe, first);
      await pause();
      await recorder.publish(probe, second);
      await pause();
      // The first Event recurs last: its lastTimestamp is now the newest.
      await recorder.publish(probe, first);
      await recorder.flush();
      await recorder.close();
      const rows = await kubectl([
        'get',
        'events',
        '-n',
        ns,
        '--field-selector',
        `reason=${reason}`,
        '--sort-by=.lastTimestamp',
        '-o',
        'custom-columns=OBJECT:.involvedObject.name,COUNT:.count',
        '--no-headers',
      ]);
      expect(
        rows
          .trim()
          .split('\n')
          .map((row) => row.split(/\s+/)),
      ).toEqual(expected);
    },
  );
});

describe('legacyFields: recovery on the real apiserver (core/v1 paths in the claim and the re-create)', () => {
  let proxy: FaultProxy;
  let viaProxy: Connection;
  beforeEach(async () => {
    proxy = await startFaultProxy({
      upstream: kube().info.server,
      caFile: kube().info.caFile,
      allowRemote: kube().external,
    });
    viaProxy = await connect({
      kubeconfig: proxy.kubeconfig(kube().info.tokens.admin, ns),
      rateLimit: false,
      retry: { maxRetries: 1, baseDelayMs: 100 },
    });
  });
  afterEach(async () => {
    await viaProxy.close();
    await proxy.close();
  });

  /** The one core/v1 Event of ours about `name`, checked to agree with itself. */
  async function onlyEvent(name: string): Promise<CoreEvent> {
    const list = await admin.coreEvents.list({ namespace: ns, fieldSelector: `involvedObject.name=${name}` });
    expect(list.items).toHaveLength(1);
    const [event] = list.items;
    expect(event?.count).toBe(event?.series?.count ?? 1);
    expect(event?.lastTimestamp).toBe(`${(event?.series?.lastObservedTime ?? event?.eventTime ?? '').slice(0, 19)}Z`);
    return event!;
  }

  const ref = (name: string): ObjectReference => ({
    apiVersion: 'v1',
    kind: 'Pod',
    namespace: ns,
    name,
    uid: `uid-${name}`,
  });
  const recorder = () => new Recorder(viaProxy, reporter, { legacyFields: true, minWriteIntervalMs: 100 });

  it('a reset after an applied create: the retry gets 409 and claims the Event (JSON Patch tests on core/v1 paths)', async () => {
    proxy.setRule((request) =>
      request.method === 'POST' && request.nthOfMethod === 1 ? { kind: 'reset-after' } : undefined,
    );
    const r = recorder();
    for (let i = 0; i < 5; i++) await r.publish(backOff, ref('claimed'));
    await r.close();
    expect(proxy.reachedServer({ method: 'POST' })).toBe(2);
    expect((await onlyEvent('claimed')).count).toBe(5);
    expect(r.stats().lost).toEqual(emptyLost());
  });

  it('a reset after an applied series patch: the next write claims with series, count and lastTimestamp', async () => {
    proxy.setRule((request) =>
      request.method === 'PATCH' && request.nthOfMethod === 1 ? { kind: 'reset-after' } : undefined,
    );
    const r = recorder();
    for (let i = 0; i < 6; i++) await r.publish(backOff, ref('verified'));
    await r.close();
    expect((await onlyEvent('verified')).count).toBe(6);
  });

  it('an Event deleted between publishes is re-created under its name with the whole count', async () => {
    const r = recorder();
    const first = await r.publish(backOff, ref('recreated'));
    await r.publish(backOff, ref('recreated'));
    await kubectl(['delete', 'events', first.name, '-n', ns]);
    await r.publish(backOff, ref('recreated'));
    await r.close();
    const event = await onlyEvent('recreated');
    expect(event.metadata?.name).toBe(first.name);
    expect(event).toMatchObject({ count: 3, series: { count: 3 } });
  });
});

describe('legacyFields: bad input', () => {
  it('an identity with events.k8s.io rights only: the first publish rejects with Forbidden naming the verb and apiGroup ""', async () => {
    const writer = await connectAs('events-writer');
    const recorder = new Recorder(writer, reporter, { legacyFields: true });
    const error = await recorder
      .publish(backOff, { apiVersion: 'v1', kind: 'Pod', namespace: ns, name: 'denied' })
      .catch((e: unknown) => e);
    expect(isForbidden(error)).toBe(true);
    expect((error as Error).message).toMatch(/cannot create resource "events" in API group "" in the namespace/);
    await recorder.close();
  });
});
