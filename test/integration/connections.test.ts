/**
 * Connections per apiserver against the real kube-apiserver: the cap holds under 200 concurrent
 * writes; and `http2` really negotiates HTTP/2 (seen by an HTTP/2 server with the harness's own
 * serving certificate, since neither undici nor the apiserver tells which protocol a request used).
 */
import { readFileSync } from 'node:fs';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, DEFAULT_MAX_CONNECTIONS, type ConnectOptions } from '../../src/connection/index.ts';
import { eventName } from '../../src/util/event-name.ts';
import { microTimeNow } from '../../src/micro-time.ts';
import { startHarness } from '../../tools/harness/start.ts';
import { closeConnections, connectAs, freshNamespace, kube } from './env.ts';

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

describe('connect({ http2 })', () => {
  let server: Http2SecureServer;
  let url = '';
  const versions: string[] = [];
  let ca = '';
  let stopHarness: () => Promise<void> = () => Promise.resolve();

  beforeAll(async () => {
    // A server of our own for its PKI (on an external cluster the suite has no serving key).
    const harness = await startHarness(kube().apiserverBinary);
    stopHarness = () => harness.stop();
    const pki = join(harness.info.stateDir, 'pki');
    server = createSecureServer(
      {
        cert: readFileSync(join(pki, 'apiserver.crt')),
        key: readFileSync(join(pki, 'apiserver.key')),
        allowHTTP1: true,
      },
      (request, response) => {
        versions.push(request.httpVersion);
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end('{"kind":"Status","status":"Success"}');
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    ca = readFileSync(harness.info.caFile).toString('base64');
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await stopHarness();
  });

  it.each([
    [true, '2.0'],
    [false, '1.1'],
  ])('http2: %s → requests arrive as HTTP/%s', async (http2, version) => {
    versions.length = 0;
    const conn = await connect({
      kubeconfig: {
        clusters: [{ name: 'h2', cluster: { server: url, 'certificate-authority-data': ca } }],
        users: [{ name: 'u', user: { token: 'x' } }],
        contexts: [{ name: 'c', context: { cluster: 'h2', user: 'u' } }],
        'current-context': 'c',
      },
      http2,
      maxConnections: 1,
    });
    try {
      await Promise.all(Array.from({ length: 20 }, () => conn.ky.get(`${url}/version`).text()));
    } finally {
      await conn.close();
    }
    expect(versions).toHaveLength(20);
    expect(new Set(versions)).toEqual(new Set([version]));
  });
});
