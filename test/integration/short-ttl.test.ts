/**
 * Behaviour that needs a server of its own: a short --event-ttl (events vanish 6 s after their last
 * write) and fast etcd compaction (old resourceVersions are gone within seconds).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/connection/index.ts';
import { ResourceExpiredError } from '../../src/errors.ts';
import { Recorder } from '../../src/recorder/recorder.ts';
import { eventName } from '../../src/util/event-name.ts';
import { microTimeNow } from '../../src/micro-time.ts';
import { sleep } from '../../src/util/sleep.ts';
import { startHarness, type RunningHarness } from '../../tools/harness/start.ts';
import { closeConnections, connectAs, kube } from './env.ts';

let harness: RunningHarness;
let admin: Connection;

beforeAll(async () => {
  harness = await startHarness(kube().apiserverBinary, {
    eventTtl: '6s',
    apiserverArgs: ['--etcd-compaction-interval=2s'],
  });
  admin = await connectAs('admin', { info: harness.info });
});
afterAll(async () => {
  await closeConnections();
  await harness.stop();
});

describe('a server with --event-ttl=6s', () => {
  it('a heartbeat below the TTL keeps a long series alive, with an exact count', async () => {
    const writer = await connectAs('events-writer', { info: harness.info });
    const recorder = new Recorder(writer, { controller: 'kube-events.test/ttl' }, { eventTtlMs: 6_000 });
    const regarding = { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'long-series', uid: 'ls-1' };
    const event = { type: 'Warning' as const, reason: 'Flapping', action: 'Probe' };
    const first = await recorder.publish(event, regarding);
    let published = 1;
    for (let second = 0; second < 20; second++) {
      await sleep(1_000);
      await recorder.publish(event, regarding);
      published += 1;
      // The Event never expires: it is written again before 6 s pass.
      const stored = await admin.events.read({ namespace: 'default', name: first.name });
      expect(stored.series?.count ?? 1).toBeLessThanOrEqual(published);
    }
    await recorder.close();
    expect((await admin.events.read({ namespace: 'default', name: first.name })).series?.count).toBe(published);
    expect(recorder.stats().created).toBe(1);
  });

  it('an Event not written again expires after the TTL', async () => {
    const name = eventName('expiring');
    await admin.events.create({
      metadata: { name, namespace: 'default' },
      eventTime: microTimeNow(),
      type: 'Normal',
      reason: 'Once',
      action: 'Test',
      reportingController: 'kube-events.test/ttl',
      reportingInstance: 'ttl-0',
      regarding: { kind: 'Pod', namespace: 'default', name: 'once' },
    });
    await sleep(9_000);
    await expect(admin.events.read({ namespace: 'default', name })).rejects.toMatchObject({ status: 404 });
  });
});

describe('a server that compacts etcd every 2 s', () => {
  it('a watch from a compacted resourceVersion fails with ResourceExpiredError (410)', async () => {
    const created = await admin.events.create({
      metadata: { name: eventName('old'), namespace: 'default' },
      eventTime: microTimeNow(),
      type: 'Normal',
      reason: 'Old',
      action: 'Test',
      reportingController: 'kube-events.test/ttl',
      reportingInstance: 'ttl-0',
      regarding: { kind: 'Pod', namespace: 'default', name: 'old' },
    });
    const oldVersion = created.metadata?.resourceVersion ?? '';
    // Newer writes, then a compaction past the old version.
    for (let i = 0; i < 3; i++) {
      await admin.events.patch({
        namespace: 'default',
        name: created.metadata?.name ?? '',
        type: 'merge',
        patch: { metadata: { labels: { round: String(i) } } },
      });
    }
    await sleep(5_000);
    const iterate = async (): Promise<void> => {
      // timeoutSeconds bounds the test if the server ever keeps the watch open instead.
      for await (const change of admin.events.watch({
        namespace: 'default',
        resourceVersion: oldVersion,
        timeoutSeconds: 20,
      })) {
        expect(change.type).not.toBe('ADDED');
      }
    };
    await expect(iterate()).rejects.toBeInstanceOf(ResourceExpiredError);
  });
});
