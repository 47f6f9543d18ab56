/**
 * Real server-side throttling, on servers of their own: API Priority and Fairness with one-seat
 * priority levels (Reject for events-writer, a short queue for cert-writer), and the EventRateLimit
 * admission plugin. These prove the harness
 * options and helpers work (the apiserver really answers 429); Recorder-level cases build on them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/connection/index.ts';
import type { Event } from '../../src/types.ts';
import { eventName } from '../../src/util/event-name.ts';
import { microTimeNow } from '../../src/micro-time.ts';
import { sleep } from '../../src/util/sleep.ts';
import { priorityLevelDump, throttleUser, waitUntilClassified } from '../../tools/apf.ts';
import { burst } from '../../tools/burst.ts';
import { startThrottledApiserver, type ThrottledApiserver } from '../../tools/throttled-apiserver.ts';
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

describe('API Priority and Fairness: one seat for events-writer (Reject) and for cert-writer (Queue)', () => {
  let server: ThrottledApiserver;

  beforeAll(async () => {
    // 100 + 50 seats: 1 share of 246 gives each test priority level ceil(150/246) = 1 seat.
    server = await startThrottledApiserver(kube().apiserverBinary, {
      apf: { identities: ['events-writer'] },
    });
    const queued = await throttleUser(server.admin, {
      user: 'cert-writer',
      limitResponse: { queues: 1, handSize: 1, queueLengthLimit: 10 },
    });
    await waitUntilClassified(await connectAs('cert-writer', { info: server.harness.info }), queued);
    console.log(await priorityLevelDump(server.admin, queued.priorityLevel));
  });
  afterAll(async () => {
    await closeConnections();
    await server.stop();
  });

  it('Reject: a burst of 100 concurrent creates gets 429s from the real server, and some writes through', async () => {
    // No retries: every 429 must reach the test.
    const writer = await connectAs('events-writer', { info: server.harness.info, retry: false });
    const tally = await burst(100, (i) => writer.events.create(newEvent(eventName(`apf-${i}`))));
    console.log(`APF Reject, 100 concurrent creates: ${JSON.stringify(tally)}`);
    expect(tally.other).toEqual([]);
    expect(tally.throttled).toBeGreaterThan(0);
    expect(tally.ok).toBeGreaterThan(0);
    // APF tells the client when to come back.
    expect(tally.retryAfterSeconds.every((s) => s !== undefined && s >= 1)).toBe(true);
  });

  it('Queue (1 queue of 10): 100 creates in flight at once get 429s beyond the queue, and the queued ones through', async () => {
    const writer = await connectAs('cert-writer', { info: server.harness.info, retry: false, maxConnections: false });
    // On a loaded machine the first burst's TLS handshakes spread its requests out, so the queue may
    // keep up; later bursts go over warm connections. Up to five bursts, until the server refuses some.
    let throttled = 0;
    let ok = 0;
    for (let round = 0; round < 5 && throttled === 0; round++) {
      const tally = await burst(100, (i) => writer.events.create(newEvent(eventName(`apf-queue-${round}-${i}`))));
      console.log(`APF Queue, 100 concurrent creates (burst ${round + 1}): ${JSON.stringify(tally)}`);
      expect(tally.other).toEqual([]);
      throttled += tally.throttled;
      ok += tally.ok;
    }
    expect(throttled).toBeGreaterThan(0);
    expect(ok).toBeGreaterThan(0);
  });

  it('admin (exempt) is not throttled by the same burst', async () => {
    const tally = await burst(100, (i) => server.admin.events.create(newEvent(eventName(`apf-admin-${i}`))));
    expect(tally).toMatchObject({ ok: 100, throttled: 0 });
  });
});

describe('EventRateLimit admission: Server limit qps 5, burst 10', () => {
  let server: ThrottledApiserver;
  let admin: Connection;

  beforeAll(async () => {
    server = await startThrottledApiserver(kube().apiserverBinary, {
      eventRateLimit: [{ type: 'Server', qps: 5, burst: 10 }],
    });
    admin = server.admin;
  });
  afterAll(async () => {
    await closeConnections();
    await server.stop();
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
    // About burst + qps × the burst's duration got through (10 + 5/s); the rest was refused.
    expect(creates.ok).toBeLessThan(40);

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
