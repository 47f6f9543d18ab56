/**
 * "Connect like kubectl", against the real kube-apiserver: every identity's kubeconfig, token files,
 * exec plugins, TLS and network failures, in-cluster config, connection reuse, a
 * @kubernetes/client-node-shaped KubeConfig, no token in any printout; and, through the fault
 * proxy, which failures are retried and which are not.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connect, type ConnectOptions, type Connection } from '../../src/connection/index.ts';
import { ApiError, isForbidden, isNotFound, NetworkError, TlsError } from '../../src/errors.ts';
import type { Event } from '../../src/types.ts';
import { eventName } from '../../src/util/event-name.ts';
import { microTimeNow } from '../../src/micro-time.ts';
import { sleep } from '../../src/util/sleep.ts';
import { startFaultProxy, type FaultProxy } from '../../tools/fault-proxy.ts';
import { closeConnections, connectAs, escapeRegExp, freshNamespace, kube, userName } from './env.ts';

let ns: string;
let admin: Connection;
let dir: string;
const opened: Connection[] = [];

/** connect() that is closed after the file; rate limit off unless asked for. */
async function open(options: ConnectOptions): Promise<Connection> {
  const connection = await connect({ rateLimit: false, ...options });
  opened.push(connection);
  return connection;
}

function rawEvent(prefix: string, namespace = ns): Event {
  return {
    metadata: { name: eventName(prefix), namespace },
    eventTime: microTimeNow(),
    type: 'Normal',
    reason: 'Connected',
    action: 'Test',
    reportingController: 'kube-events.test/connection',
    reportingInstance: 'connection-0',
    regarding: { apiVersion: 'v1', kind: 'Pod', namespace, name: prefix },
  };
}

/** Events with this name on the server, read as admin (0 or 1). */
async function stored(name: string): Promise<number> {
  const list = await admin.events.list({ namespace: ns, fieldSelector: `metadata.name=${name}` });
  return list.items.length;
}

let files = 0;
/** A kubeconfig file in the test's temp dir, JSON being YAML. */
function kubeconfigFile(options: { cluster: Record<string, unknown>; user: Record<string, unknown> }): string {
  files += 1;
  const file = join(dir, `kubeconfig-${files}`);
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: options.cluster }],
    users: [{ name: 'u', user: options.user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u', namespace: ns } }],
    'current-context': 'ctx',
  };
  writeFileSync(file, JSON.stringify(config, null, 2), { mode: 0o600 });
  return file;
}

const harnessCluster = () => ({ server: kube().info.server, 'certificate-authority': kube().info.caFile });

beforeAll(async () => {
  ns = await freshNamespace('connection');
  admin = await connectAs('admin');
  dir = mkdtempSync(join(tmpdir(), 'kube-events-connection-'));
});
afterAll(async () => {
  await Promise.all(opened.splice(0).map((connection) => connection.close()));
  await closeConnections();
  rmSync(dir, { recursive: true, force: true });
});

describe("the harness's kubeconfigs", () => {
  it('admin writes and reads', async () => {
    const event = rawEvent('admin');
    const created = await admin.events.create(event);
    expect((await admin.events.read({ namespace: ns, name: created.metadata?.name ?? '' })).reason).toBe('Connected');
  });

  it('events-writer creates and patches; the context namespace is the default', async () => {
    const writer = await connectAs('events-writer');
    expect(writer.namespace).toBe('default');
    const created = await writer.events.create(rawEvent('writer'));
    const patched = await writer.events.patch({
      namespace: ns,
      name: created.metadata?.name ?? '',
      type: 'merge',
      patch: { series: { count: 2, lastObservedTime: microTimeNow() } },
    });
    expect(patched.series?.count).toBe(2);
  });

  it('events-creator creates; its patch is a typed Forbidden naming the verb and resource', async () => {
    const creator = await connectAs('events-creator');
    const created = await creator.events.create(rawEvent('creator'));
    const error = await creator.events
      .patch({
        namespace: ns,
        name: created.metadata?.name ?? '',
        type: 'merge',
        patch: { series: { count: 2, lastObservedTime: microTimeNow() } },
      })
      .catch((e: unknown) => e);
    expect(isForbidden(error)).toBe(true);
    expect((error as ApiError).reason).toBe('Forbidden');
    expect((error as ApiError).message).toMatch(/cannot patch resource "events" in API group "events\.k8s\.io"/);
  });

  it('nobody gets 403 Forbidden naming verb, resource and user', async () => {
    const nobody = await connectAs('nobody');
    const event = rawEvent('nobody');
    const error = await nobody.events.create(event).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 403, reason: 'Forbidden', method: 'POST' });
    expect((error as ApiError).message).toMatch(
      new RegExp(
        `User "${escapeRegExp(userName('nobody'))}" cannot create resource "events" in API group "events\\.k8s\\.io" in the namespace`,
      ),
    );
    expect(await stored(event.metadata?.name ?? '')).toBe(0);
    // A 403 is an answer, not a failure to retry.
    expect(nobody.stats()).toMatchObject({ attempts: 1, retries: 0 });
  });

  it('cert-writer authenticates with its client certificate', async () => {
    const kubeconfig = readFileSync(kube().info.kubeconfigs['cert-writer'], 'utf8');
    expect(kubeconfig).toContain('client-certificate');
    expect(kubeconfig).not.toMatch(/token/);
    const cert = await connectAs('cert-writer');
    const created = await cert.events.create(rawEvent('cert'));
    expect(await stored(created.metadata?.name ?? '')).toBe(1);
    expect(inspect(cert)).toContain("auth: 'client-certificate'");
  });
});

describe('credentials that change', () => {
  it('a tokenFile rewritten on disk is re-read after a 401, and the request succeeds', async () => {
    const tokenFile = join(dir, 'rotating-token');
    writeFileSync(tokenFile, 'not-a-token-the-server-knows\n');
    const conn = await open({ kubeconfig: kubeconfigFile({ cluster: harnessCluster(), user: { tokenFile } }) });
    // The file is read at connect(); it now holds another identity's token.
    writeFileSync(tokenFile, `${kube().info.tokens['events-writer']}\n`);
    const created = await conn.events.create(rawEvent('token-file'));
    expect(await stored(created.metadata?.name ?? '')).toBe(1);
    expect(conn.stats()).toMatchObject({ requests: 1, attempts: 2, unauthorizedRefreshes: 1, retries: 0 });
    // The new token stays in use without more 401s.
    await conn.events.create(rawEvent('token-file'));
    expect(conn.stats()).toMatchObject({ requests: 2, attempts: 3, unauthorizedRefreshes: 1 });
  });

  describe('an exec credential plugin', () => {
    let script: string;
    beforeAll(() => {
      script = join(dir, 'credential-plugin.mjs');
      // Prints the n-th token of its arguments on its n-th run (the last one from then on).
      writeFileSync(
        script,
        `import { appendFileSync, existsSync, readFileSync } from 'node:fs';
const [runsFile, ...tokens] = process.argv.slice(2);
const runs = existsSync(runsFile) ? readFileSync(runsFile, 'utf8').length : 0;
appendFileSync(runsFile, 'x');
const ttlSeconds = Number(process.env.TTL_SECONDS);
process.stdout.write(JSON.stringify({
  apiVersion: 'client.authentication.k8s.io/v1',
  kind: 'ExecCredential',
  status: { token: tokens[Math.min(runs, tokens.length - 1)], expirationTimestamp: new Date(Date.now() + ttlSeconds * 1000).toISOString() },
}));
`,
      );
    });

    let plugins = 0;
    async function withPlugin(tokens: string[], ttlSeconds: number): Promise<{ conn: Connection; runs: () => number }> {
      plugins += 1;
      const runsFile = join(dir, `plugin-runs-${plugins}`);
      const user = {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: process.execPath,
          args: [script, runsFile, ...tokens],
          env: [{ name: 'TTL_SECONDS', value: String(ttlSeconds) }],
          interactiveMode: 'Never',
        },
      };
      const conn = await open({ kubeconfig: kubeconfigFile({ cluster: harnessCluster(), user }) });
      const runs = () => {
        try {
          return readFileSync(runsFile, 'utf8').length;
        } catch {
          return 0;
        }
      };
      return { conn, runs };
    }

    it('runs once, and its credential is cached across many requests until it expires', async () => {
      const { conn, runs } = await withPlugin([kube().info.tokens['events-writer']], 3600);
      expect(runs()).toBe(0);
      for (let i = 0; i < 20; i++) await conn.events.create(rawEvent('exec-cached'));
      expect(runs()).toBe(1);
      expect(conn.stats()).toMatchObject({ requests: 20, attempts: 20, unauthorizedRefreshes: 0 });
    });

    it('runs again once the credential expired', async () => {
      const { conn, runs } = await withPlugin([kube().info.tokens['events-writer']], 1);
      await conn.events.create(rawEvent('exec-expiry'));
      expect(runs()).toBe(1);
      await sleep(1_500);
      await conn.events.create(rawEvent('exec-expiry'));
      expect(runs()).toBe(2);
    });

    it('runs again after a 401 and the request succeeds with the new token', async () => {
      const { conn, runs } = await withPlugin(['bad-token-from-plugin', kube().info.tokens['events-writer']], 3600);
      const first = await conn.events.create(rawEvent('exec-401'));
      expect(await stored(first.metadata?.name ?? '')).toBe(1);
      expect(runs()).toBe(2);
      for (let i = 0; i < 10; i++) await conn.events.create(rawEvent('exec-401'));
      expect(runs()).toBe(2);
      expect(conn.stats()).toMatchObject({ requests: 11, attempts: 12, unauthorizedRefreshes: 1 });
    });
  });
});

describe('failures before any answer', () => {
  it('a wrong CA gives a TlsError that says TLS/certificate, without retries', async () => {
    // A CA that did not sign the serving certificate (on the harness, its client CA).
    const wrongCa = kube().unrelatedCaFile;
    const conn = await open({
      kubeconfig: kubeconfigFile({
        cluster: { server: kube().info.server, 'certificate-authority': wrongCa },
        user: { token: kube().readToken },
      }),
    });
    const error = await conn.events.list({ namespace: ns }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TlsError);
    expect((error as TlsError).message).toMatch(/TLS handshake failed/);
    expect((error as TlsError).message).toMatch(/certificate/i);
    expect((error as TlsError).message).toContain('certificate-authority');
    expect(conn.stats()).toMatchObject({ attempts: 1, retries: 0 });
  });

  it('an unreachable server gives a NetworkError naming the URL and ECONNREFUSED, after retrying even a POST', async () => {
    const port = await freePort();
    const conn = await open({
      kubeconfig: kubeconfigFile({
        cluster: { server: `https://127.0.0.1:${port}`, 'certificate-authority': kube().info.caFile },
        user: { token: kube().readToken },
      }),
      retry: { maxRetries: 2, baseDelayMs: 10 },
    });
    const error = await conn.events.create(rawEvent('unreachable')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).not.toBeInstanceOf(TlsError);
    expect((error as NetworkError).message).toMatch(
      new RegExp(
        `^POST https://127\\.0\\.0\\.1:${port}/apis/events\\.k8s\\.io/v1/namespaces/${ns}/events.*: cannot reach the apiserver \\(ECONNREFUSED`,
      ),
    );
    // A refused connection never carried the request, so even a POST is tried again.
    expect(conn.stats()).toMatchObject({ attempts: 3, retries: 2 });
  });
});

describe('other ways to configure', () => {
  it('in-cluster: service-account folder and KUBERNETES_SERVICE_HOST/PORT, end to end', async () => {
    const saDir = join(dir, 'serviceaccount');
    mkdirSync(saDir);
    writeFileSync(join(saDir, 'token'), `${kube().info.tokens['events-writer']}\n`);
    copyFileSync(kube().info.caFile, join(saDir, 'ca.crt'));
    writeFileSync(join(saDir, 'namespace'), ns);
    // The cluster's host and port, as a pod's environment would give them.
    const server = new URL(kube().info.server);
    const port = server.port === '' ? '443' : server.port;
    const env = { KUBERNETES_SERVICE_HOST: server.hostname.replace(/^\[(.*)\]$/, '$1'), KUBERNETES_SERVICE_PORT: port };

    const explicit = await open({ inCluster: true, env, serviceAccountDir: saDir });
    expect(explicit).toMatchObject({
      baseUrl: `https://${server.hostname}:${port}`,
      namespace: ns,
      origin: 'in-cluster',
    });
    const created = await explicit.events.create(rawEvent('in-cluster', explicit.namespace));
    expect(await stored(created.metadata?.name ?? '')).toBe(1);

    // Without any kubeconfig (empty HOME, no KUBECONFIG) connect() falls back to in-cluster.
    const home = join(dir, 'empty-home');
    mkdirSync(home);
    const fallback = await open({ env: { ...env, HOME: home }, serviceAccountDir: saDir });
    expect(fallback.origin).toBe('in-cluster');
    await fallback.events.create(rawEvent('in-cluster-fallback', fallback.namespace));
  });

  it('a @kubernetes/client-node-shaped KubeConfig object connects', async () => {
    const clientNodeShaped = {
      clusters: [{ name: 'harness', server: kube().info.server, caFile: kube().info.caFile, skipTLSVerify: false }],
      users: [{ name: 'writer', token: kube().info.tokens['events-writer'] }],
      contexts: [{ name: 'harness-writer', cluster: 'harness', user: 'writer', namespace: ns }],
      currentContext: 'harness-writer',
    };
    const conn = await open({ kubeconfig: clientNodeShaped });
    expect(conn.namespace).toBe(ns);
    expect(conn.origin).toContain('harness-writer');
    const created = await conn.events.create(rawEvent('client-node', conn.namespace));
    expect(await stored(created.metadata?.name ?? '')).toBe(1);
  });

  it('connections are reused: 50 sequential requests open at most 2 TLS connections', async () => {
    const conn = await connectAs('admin');
    for (let i = 0; i < 50; i++) await conn.events.list({ namespace: ns, limit: 1 });
    expect(conn.stats().requests).toBe(50);
    expect(conn.stats().connectionsOpened).toBeGreaterThanOrEqual(1);
    expect(conn.stats().connectionsOpened).toBeLessThanOrEqual(2);
  });

  it('util.inspect of the connection and of errors never shows the token', async () => {
    const token = kube().readToken;
    // admin's own kubeconfig where it has this token; an external cluster's admin may use a certificate.
    const conn =
      kube().info.tokens.admin === token
        ? await connectAs('admin')
        : await open({ kubeconfig: kubeconfigFile({ cluster: harnessCluster(), user: { token } }) });
    const notFound = await conn.events.read({ namespace: ns, name: 'does-not-exist' }).catch((e: unknown) => e);
    expect(isNotFound(notFound)).toBe(true);
    const tls = await (
      await open({
        kubeconfig: kubeconfigFile({
          cluster: { server: kube().info.server, 'certificate-authority': kube().unrelatedCaFile },
          user: { token },
        }),
      })
    ).events
      .list({ namespace: ns })
      .catch((e: unknown) => e);
    expect(tls).toBeInstanceOf(TlsError);
    const deep = { depth: Infinity, showHidden: true, getters: true } as const;
    for (const shown of [
      inspect(conn, deep),
      inspect(conn.events, deep),
      inspect(conn.ky, deep),
      JSON.stringify(conn),
      inspect(notFound, deep),
      inspect(tls, deep),
      String((tls as Error).stack),
    ]) {
      expect(shown).not.toContain(token);
    }
  });
});

describe('retries, seen through the fault proxy', () => {
  let proxy: FaultProxy;
  beforeEach(async () => {
    proxy = await startFaultProxy({
      upstream: kube().info.server,
      caFile: kube().info.caFile,
      allowRemote: kube().external,
    });
  });
  afterEach(async () => {
    await proxy.close();
  });
  const viaProxy = (identity: 'admin' | 'events-writer', options: ConnectOptions = {}) =>
    open({
      kubeconfig: proxy.kubeconfig(identity === 'admin' ? kube().readToken : kube().info.tokens[identity], ns),
      ...options,
    });

  it('429 with Retry-After on the first two attempts of a POST, then success: one Event', async () => {
    proxy.setRule((request) =>
      request.method === 'POST' && request.nthOfMethod <= 2
        ? { kind: 'status', status: 429, retryAfterSeconds: 1 }
        : undefined,
    );
    const conn = await viaProxy('events-writer');
    const created = await conn.events.create(rawEvent('retry-429'));
    expect(await stored(created.metadata?.name ?? '')).toBe(1);
    expect(proxy.count({ method: 'POST' })).toBe(3);
    expect(proxy.count({ method: 'POST', outcome: 'status' })).toBe(2);
    expect(proxy.reachedServer({ method: 'POST' })).toBe(1);
    expect(conn.stats()).toMatchObject({ requests: 1, attempts: 3, retries: 2 });
  });

  it('503 with Retry-After on a POST, then success: one Event', async () => {
    proxy.setRule((request) =>
      request.method === 'POST' && request.nthOfMethod === 1
        ? { kind: 'status', status: 503, retryAfterSeconds: 1 }
        : undefined,
    );
    const conn = await viaProxy('events-writer');
    const created = await conn.events.create(rawEvent('retry-503'));
    expect(await stored(created.metadata?.name ?? '')).toBe(1);
    expect(proxy.count({ method: 'POST' })).toBe(2);
    expect(proxy.reachedServer({ method: 'POST' })).toBe(1);
    expect(conn.stats()).toMatchObject({ attempts: 2, retries: 1 });
  });

  it('500 without Retry-After is not retried: a typed ApiError', async () => {
    proxy.setRule((request) => (request.method === 'POST' ? { kind: 'status', status: 500 } : undefined));
    const conn = await viaProxy('events-writer');
    const event = rawEvent('no-retry-500');
    const error = await conn.events.create(event).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 500, reason: 'InternalError' });
    expect(proxy.count({ method: 'POST' })).toBe(1);
    expect(await stored(event.metadata?.name ?? '')).toBe(0);
  });

  it('a POST whose connection is reset before the server saw it fails with a NetworkError and is not retried: the client cannot tell that from a reset after', async () => {
    proxy.setRule((request) => (request.method === 'POST' ? { kind: 'reset-before' } : undefined));
    const conn = await viaProxy('events-writer');
    const event = rawEvent('reset-before');
    const error = await conn.events.create(event).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).message).toMatch(/cannot reach the apiserver \(ECONNRESET/);
    expect(proxy.count({ method: 'POST' })).toBe(1);
    expect(proxy.reachedServer({ method: 'POST' })).toBe(0);
    expect(await stored(event.metadata?.name ?? '')).toBe(0);
  });

  it('a POST reset after the server applied it is NOT retried: a NetworkError, and the Event exists once', async () => {
    proxy.setRule((request) => (request.method === 'POST' ? { kind: 'reset-after' } : undefined));
    const conn = await viaProxy('events-writer');
    const event = rawEvent('reset-after');
    const error = await conn.events.create(event).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).not.toBeInstanceOf(TlsError);
    expect((error as NetworkError).message).toMatch(/^POST http:\/\/127\.0\.0\.1:\d+\/apis\/events\.k8s\.io\/v1\//);
    expect(proxy.count({ method: 'POST' })).toBe(1);
    expect(proxy.reachedServer({ method: 'POST' })).toBe(1);
    expect(conn.stats()).toMatchObject({ attempts: 1, retries: 0 });
    expect(await stored(event.metadata?.name ?? '')).toBe(1);
  });

  it('a GET reset before or after forwarding is retried and succeeds', async () => {
    const created = await admin.events.create(rawEvent('get-reset'));
    const name = created.metadata?.name ?? '';
    proxy.setRule((request) => {
      if (request.method !== 'GET') return undefined;
      if (request.nthOfMethod === 1) return { kind: 'reset-before' };
      if (request.nthOfMethod === 2) return { kind: 'reset-after' };
      return undefined;
    });
    const conn = await viaProxy('admin', { retry: { baseDelayMs: 10 } });
    expect((await conn.events.read({ namespace: ns, name })).metadata?.name).toBe(name);
    expect(proxy.count({ method: 'GET' })).toBe(3);
    expect(proxy.count({ method: 'GET', outcome: 'passed' })).toBe(1);
    expect(conn.stats()).toMatchObject({ requests: 1, attempts: 3, retries: 2 });
  });

  it('the rate limiter (qps 5, burst 2) lets all 6 requests through, once each, in the order they were made', async () => {
    const conn = await viaProxy('admin', { rateLimit: { qps: 5, burst: 2 } });
    const names = Array.from({ length: 6 }, (_, i) => `rate-limited-${i}`);
    const results = await Promise.allSettled(names.map((name) => conn.events.read({ namespace: ns, name })));
    expect(results.every((result) => result.status === 'rejected' && isNotFound(result.reason))).toBe(true);
    expect(proxy.count({ method: 'GET' })).toBe(6);
    expect(conn.stats()).toMatchObject({ requests: 6, attempts: 6, retries: 0 });
    // After the burst of two, waiters are let through one by one, first come first served.
    const order = proxy.records.map((record) => record.path.split('/').pop());
    expect(order.slice(2)).toEqual(names.slice(2));
    expect(new Set(order.slice(0, 2))).toEqual(new Set(names.slice(0, 2)));
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
