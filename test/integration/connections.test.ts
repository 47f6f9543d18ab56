/** Connections per apiserver against the real kube-apiserver: the cap holds under 200 concurrent writes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_CONNECTIONS, type ConnectOptions } from '../../src/connection/index.ts';
import { eventName } from '../../src/util/event-name.ts';
import { microTimeNow } from '../../src/util/micro-time.ts';
import { closeConnections, connectAs, freshNamespace } from './env.ts';

let ns: string;
beforeAll(async () => {
  ns = await freshNamespace('connections');
});
afterAll(closeConnections);

async function writeConcurrently(options: ConnectOptions, count: number) {
  const conn = await connectAs('events-writer', options);
  const results = await Promise.allSettled(
    Array.from({ length: count }, (_, i) =>
      conn.events.create({
        metadata: { name: eventName(`conn-${i}`), namespace: ns },
        eventTime: microTimeNow(),
        type: 'Normal',
        reason: 'Concurrent',
        action: 'Write',
        reportingController: 'kube-events.test/connections',
        reportingInstance: 'connections-0',
        regarding: { apiVersion: 'v1', kind: 'Pod', namespace: ns, name: `web-${i}` },
      }),
    ),
  );
  return {
    created: results.filter((r) => r.status === 'fulfilled').length,
    opened: conn.stats().connectionsOpened,
  };
}

describe('connect({ maxConnections, http2 }) against kube-apiserver', () => {
  it.each([
    ['HTTP/1.1 capped at 4', { maxConnections: 4, http2: false }, 4],
    ['HTTP/1.1 with the default cap', {}, DEFAULT_MAX_CONNECTIONS],
    ['HTTP/2 on 1 connection', { maxConnections: 1, http2: true }, 1],
  ] as const)('%s: 200 concurrent creates open at most the cap', async (_label, options, cap) => {
    const { created, opened } = await writeConcurrently(options, 200);
    expect(created).toBe(200);
    expect(opened).toBeGreaterThan(0);
    expect(opened).toBeLessThanOrEqual(cap);
  });
});
