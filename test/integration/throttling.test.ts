/**
 * Real server-side throttling, on servers of their own: API Priority and Fairness with a one-seat
 * priority level for events-writer, and the EventRateLimit admission plugin. These prove the harness
 * options and helpers work (the apiserver really answers 429); Recorder-level cases build on them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/connection/index.ts';
import type { Event } from '../../src/types.ts';
import { eventName } from '../../src/util/event-name.ts';
import { microTimeNow } from '../../src/util/micro-time.ts';
import { sleep } from '../../src/util/sleep.ts';
import { startHarness, type RunningHarness } from '../harness/start.ts';
import { priorityLevelDump, throttleUser, waitUntilClassified } from '../helpers/apf.ts';
import { burst } from '../helpers/burst.ts';
import { closeConnections, connectAs, kube } from './env.ts';

function newEvent(name: string): Event {
  return {
    metadata: { name, namespace: 'default' },
    eventTime: microTimeNow(),
    type: 'Normal',
    reason: 'Burst',
    action: 'Test',
    reportingController: 'kube-events.test/throttling',
    reportingInstance: 'throttling-0',
    regarding: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web-0' },
  };
}

/** A core/v1 Event (the group kubectl and client-go's old recorder write). */
function coreEvent(name: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: 'default' },
    involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web-0' },
    reason: 'Burst',
    message: 'core/v1 burst',
    type: 'Normal',
    source: { component: 'kube-events.test' },
  };
}

describe('API Priority and Fairness: events-writer limited to one seat, Reject', () => {
  let harness: RunningHarness;
  let admin: Connection;
  let writer: Connection;

  beforeAll(async () => {
    // 100 + 50 seats: 1 share of 246 gives the test's priority level ceil(150/246) = 1 seat.
    harness = await startHarness(kube().apiserverBinary, { maxRequestsInflight: { readOnly: 100, mutating: 50 } });
    admin = await connectAs('admin', { info: harness.info });
    // No retries: every 429 must reach the test.
    writer = await connectAs('events-writer', { info: harness.info, retry: false });
    // Our own harness: its user names, whatever cluster the rest of the suite runs against.
    const throttled = await throttleUser(admin, { user: 'events-writer' });
    await waitUntilClassified(writer, throttled);
    console.log(await priorityLevelDump(admin, throttled.priorityLevel));
  });
  afterAll(async () => {
    await closeConnections();
    await harness.stop();
  });

  it('a burst of 100 concurrent creates gets 429s from the real server, and some writes through', async () => {
    const tally = await burst(100, (i) => writer.events.create(newEvent(eventName(`apf-${i}`))));
    console.log(`APF, 100 concurrent creates: ${JSON.stringify(tally)}`);
    expect(tally.other).toEqual([]);
    expect(tally.throttled).toBeGreaterThan(0);
    expect(tally.ok).toBeGreaterThan(0);
    // APF tells the client when to come back.
    expect(tally.retryAfterSeconds.every((s) => s !== undefined && s >= 1)).toBe(true);
  });

  it('admin (exempt) is not throttled by the same burst', async () => {
    const tally = await burst(100, (i) => admin.events.create(newEvent(eventName(`apf-admin-${i}`))));
    expect(tally).toMatchObject({ ok: 100, throttled: 0 });
  });
});

describe('EventRateLimit admission: Server limit qps 5, burst 10', () => {
  let harness: RunningHarness;
  let admin: Connection;

  beforeAll(async () => {
    harness = await startHarness(kube().apiserverBinary, {
      eventRateLimit: [{ type: 'Server', qps: 5, burst: 10 }],
    });
    admin = await connectAs('admin', { info: harness.info, retry: false });
  });
  afterAll(async () => {
    await closeConnections();
    await harness.stop();
  });

  const coreUrl = () => `${admin.baseUrl}/api/v1/namespaces/default/events`;
  /** Waits until the server's bucket is full again (burst / qps = 2 s). */
  const refill = () => sleep(2_500);

  it('limits core/v1 creates and patches', async () => {
    await refill();
    const creates = await burst(40, (i) => admin.ky.post(coreUrl(), { json: coreEvent(eventName(`core-${i}`)) }));
    console.log(`EventRateLimit, 40 core/v1 creates: ${JSON.stringify(creates)}`);
    expect(creates.other).toEqual([]);
    expect(creates.throttled).toBeGreaterThan(0);
    expect(creates.ok).toBeLessThanOrEqual(10 + 5);

    await refill();
    const name = eventName('core-patched');
    expect((await admin.ky.post(coreUrl(), { json: coreEvent(name) })).status).toBe(201);
    const patches = await burst(40, (i) =>
      admin.ky.patch(`${coreUrl()}/${name}`, {
        headers: { 'Content-Type': 'application/merge-patch+json' },
        json: { count: i + 2 },
      }),
    );
    console.log(`EventRateLimit, 40 core/v1 patches: ${JSON.stringify(patches)}`);
    expect(patches.other).toEqual([]);
    expect(patches.throttled).toBeGreaterThan(0);
  });

  it('does not limit events.k8s.io/v1 creates or patches (the plugin matches the core group kind only)', async () => {
    await refill();
    const creates = await burst(40, (i) => admin.events.create(newEvent(eventName(`ev1-${i}`))));
    console.log(`EventRateLimit, 40 events.k8s.io/v1 creates: ${JSON.stringify(creates)}`);
    expect(creates).toMatchObject({ ok: 40, throttled: 0 });

    const created = await admin.events.create(newEvent(eventName('ev1-patched')));
    const patches = await burst(40, (i) =>
      admin.events.patch({
        namespace: 'default',
        name: created.metadata?.name ?? '',
        type: 'merge',
        patch: { series: { count: i + 2, lastObservedTime: microTimeNow() } },
      }),
    );
    console.log(`EventRateLimit, 40 events.k8s.io/v1 patches: ${JSON.stringify(patches)}`);
    expect(patches).toMatchObject({ ok: 40, throttled: 0 });
  });
});
