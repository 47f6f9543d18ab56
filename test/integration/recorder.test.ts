/** The Recorder against the real kube-apiserver, as users see it through kubectl. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/connection/index.ts';
import { isForbidden } from '../../src/errors.ts';
import { objectRef } from '../../src/recorder/object-ref.ts';
import { Recorder } from '../../src/recorder/recorder.ts';
import type { Event, ObjectReference } from '../../src/types.ts';
import { closeConnections, connectAs, freshNamespace, kubectl } from './env.ts';

let ns: string;
let admin: Connection;
let writer: Connection;
const reporter = { controller: 'kube-events.test/recorder', instance: 'recorder-0' };

/** Our events about `name`: on a real cluster the scheduler and kubelet write their own about our Pods. */
async function eventsAbout(name: string, namespace = ns): Promise<Event[]> {
  const list = await admin.events.list({ namespace, fieldSelector: `regarding.name=${name}` });
  return list.items.filter((event) => event.reportingController === reporter.controller);
}

async function pod(name: string): Promise<ObjectReference> {
  await kubectl(['run', name, '-n', ns, '--image', 'registry.invalid/app:1', '--restart', 'Never']);
  const json = JSON.parse(await kubectl(['get', 'pod', name, '-n', ns, '-o', 'json'])) as {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace: string; uid: string; resourceVersion: string };
  };
  return objectRef(json);
}

beforeAll(async () => {
  ns = await freshNamespace('recorder');
  admin = await connectAs('admin');
  writer = await connectAs('events-writer');
});
afterAll(closeConnections);

describe('Recorder on kube-apiserver', () => {
  it('creates an Event with exactly the expected fields', async () => {
    const recorder = new Recorder(writer, reporter);
    const regarding = await pod('fields');
    const result = await recorder.publish(
      {
        type: 'Warning',
        reason: 'BackOff',
        action: 'Reconcile',
        note: 'image pull failed',
        secondary: { kind: 'Node', name: 'node-1', apiVersion: 'v1' },
      },
      regarding,
    );
    const [event] = await eventsAbout('fields');
    expect(event?.metadata?.name).toBe(result.name);
    expect(event?.eventTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(event).toMatchObject({
      type: 'Warning',
      reason: 'BackOff',
      action: 'Reconcile',
      note: 'image pull failed',
      reportingController: 'kube-events.test/recorder',
      reportingInstance: 'recorder-0',
      regarding: { apiVersion: 'v1', kind: 'Pod', namespace: ns, name: 'fields', uid: regarding.uid },
      related: { apiVersion: 'v1', kind: 'Node', name: 'node-1' },
    });
    expect(event?.series).toBeUndefined();
    expect(event?.deprecatedCount ?? undefined).toBeUndefined();
    expect(event?.deprecatedFirstTimestamp ?? undefined).toBeUndefined();
    await recorder.close();
  });

  it('a series reaches count 2 with a patch, then coalesced counts; kubectl describe shows (xN over …)', async () => {
    const recorder = new Recorder(writer, reporter);
    const regarding = await pod('storm');
    const event = {
      type: 'Warning' as const,
      reason: 'BackOff',
      action: 'Reconcile',
      note: 'back-off restarting failed container',
    };
    expect((await recorder.publish(event, regarding)).write).toBe('created');
    expect((await recorder.publish(event, regarding)).write).toBe('patched');
    expect((await eventsAbout('storm'))[0]?.series?.count).toBe(2);
    for (let i = 0; i < 48; i++) expect((await recorder.publish(event, regarding)).write).toBe('coalesced');
    await recorder.flush();
    const [stored] = await eventsAbout('storm');
    expect(stored?.series?.count).toBe(50);
    const described = await kubectl(['describe', 'pod', 'storm', '-n', ns]);
    expect(described).toMatch(
      /Warning\s+BackOff\s+\S+ \(x50 over \S+\)\s+kube-events\.test\/recorder\s+back-off restarting failed container/,
    );
    expect(recorder.stats().writes).toBeLessThanOrEqual(4);
    await recorder.close();
  });

  it('500 concurrent publishes of one key: one Event with count 500', async () => {
    const recorder = new Recorder(writer, reporter);
    const regarding = await pod('concurrent');
    await Promise.all(
      Array.from({ length: 500 }, () =>
        recorder.publish({ type: 'Normal', reason: 'Ping', action: 'Probe' }, regarding),
      ),
    );
    await recorder.close();
    const events = await eventsAbout('concurrent');
    expect(events).toHaveLength(1);
    expect(events[0]?.series?.count).toBe(500);
  });

  it('a cluster-scoped object, and a ClusterRole named system:…', async () => {
    const recorder = new Recorder(writer, reporter);
    const node = { apiVersion: 'v1', kind: 'Node', name: 'node-7', uid: 'n-7' };
    const role = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      name: 'system:controller:attachdetach-controller',
    };
    const onNode = await recorder.publish({ type: 'Normal', reason: 'Cordoned', action: 'Drain' }, node);
    const onRole = await recorder.publish({ type: 'Normal', reason: 'Reconciled', action: 'Sync' }, role);
    expect(onNode.namespace).toBe('default');
    expect(onRole.namespace).toBe('default');
    expect(onRole.name).toMatch(/^system-controller-attachdetach-controller-[0-9a-f]{8}\.[0-9a-f]{16}$/);
    const stored = await admin.events.read({ namespace: 'default', name: onRole.name });
    expect(stored.regarding?.name).toBe('system:controller:attachdetach-controller');
    expect(stored.regarding?.namespace).toBeUndefined();
    await recorder.close();
  });

  it('an Event deleted with kubectl between publishes is re-created with the count', async () => {
    const recorder = new Recorder(writer, reporter);
    const regarding = await pod('deleted');
    const event = { type: 'Warning' as const, reason: 'Unhealthy', action: 'Probe' };
    const first = await recorder.publish(event, regarding);
    await recorder.publish(event, regarding);
    await kubectl(['delete', 'events.events.k8s.io', first.name, '-n', ns]);
    await recorder.publish(event, regarding);
    await recorder.flush();
    const events = await eventsAbout('deleted');
    expect(events).toHaveLength(1);
    expect(events[0]?.metadata?.name).toBe(first.name);
    expect(events[0]?.series?.count).toBe(3);
    await recorder.close();
  });

  it('events-creator (no patch) gets a typed Forbidden on the second publish', async () => {
    const creator = await connectAs('events-creator');
    const recorder = new Recorder(creator, reporter);
    const regarding = await pod('creator');
    await recorder.publish({ type: 'Normal', reason: 'Started', action: 'Run' }, regarding);
    const error = await recorder
      .publish({ type: 'Normal', reason: 'Started', action: 'Run' }, regarding)
      .catch((e: unknown) => e);
    expect(isForbidden(error)).toBe(true);
    expect((error as Error).message).toMatch(/cannot patch resource "events" in API group "events.k8s.io"/);
    await recorder.close();
  });

  it('a client-certificate identity with the writer rights is enough', async () => {
    const cert = await connectAs('cert-writer');
    const recorder = new Recorder(cert, reporter);
    const regarding = await pod('cert');
    for (let i = 0; i < 3; i++) await recorder.publish({ type: 'Normal', reason: 'Synced', action: 'Sync' }, regarding);
    await recorder.close();
    expect((await eventsAbout('cert'))[0]?.series?.count).toBe(3);
  });
});
