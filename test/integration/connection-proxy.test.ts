/** proxy-url, HTTPS_PROXY / NO_PROXY and tls-server-name against the real kube-apiserver. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../../src/connection/index.ts';
import { TlsError } from '../../src/errors.ts';
import { microTimeNow } from '../../src/micro-time.ts';
import { startConnectProxy, type ConnectProxy } from '../helpers/connect-proxy.ts';
import { kube } from './env.ts';

let proxy: ConnectProxy;
let dir: string;
const opened: Connection[] = [];

/** A kubeconfig for the harness's events-writer with extra cluster fields. */
function kubeconfig(name: string, cluster: Record<string, string>): string {
  const { info } = kube();
  const ca = readFileSync(info.caFile).toString('base64');
  const fields = Object.entries({ server: info.server, 'certificate-authority-data': ca, ...cluster })
    .map(([key, value]) => `      ${key}: ${JSON.stringify(value)}`)
    .join('\n');
  const file = join(dir, name);
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
current-context: c
clusters:
  - name: c
    cluster:
${fields}
users:
  - name: u
    user:
      token: ${JSON.stringify(info.tokens['events-writer'])}
contexts:
  - name: c
    context: { cluster: c, user: u, namespace: default }
`,
  );
  return file;
}

async function open(file: string, env: NodeJS.ProcessEnv = {}): Promise<Connection> {
  const connection = await connect({ kubeconfig: file, rateLimit: false, retry: false, env });
  opened.push(connection);
  return connection;
}

/** A write the events-writer may make: a dry-run create. */
async function write(connection: Connection): Promise<void> {
  await connection.events.create(
    {
      metadata: { name: `proxied.${Date.now().toString(16)}`, namespace: 'default' },
      eventTime: microTimeNow(),
      type: 'Normal',
      reason: 'Proxied',
      action: 'Test',
      reportingController: 'kube-events.test/proxy',
      reportingInstance: 'proxy-0',
      regarding: { kind: 'Pod', namespace: 'default', name: 'proxied' },
    },
    { dryRun: true },
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kube-events-proxy-'));
  proxy = await startConnectProxy({ allowRemote: kube().external });
});
afterAll(async () => {
  await Promise.all(opened.map((connection) => connection.close()));
  await proxy.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('proxies and server names', () => {
  const target = () => new URL(kube().info.server).host;

  it('proxy-url sends the requests through an HTTP CONNECT tunnel, TLS end to end', async () => {
    const connection = await open(kubeconfig('proxy-url', { 'proxy-url': proxy.url }));
    const before = proxy.tunnels.length;
    await write(connection);
    await write(connection);
    const tunnels = proxy.tunnels.slice(before);
    // Every request went through the proxy, to the apiserver; the pool may open a second tunnel.
    expect(new Set(tunnels)).toEqual(new Set([target()]));
    expect(tunnels.length).toBeLessThanOrEqual(2);
  });

  it('HTTPS_PROXY is used when the kubeconfig names no proxy, and NO_PROXY bypasses it', async () => {
    const viaEnv = await open(kubeconfig('env', {}), { HTTPS_PROXY: proxy.url });
    const before = proxy.tunnels.length;
    await write(viaEnv);
    expect(proxy.tunnels.slice(before)).toEqual([target()]);
    const bypassed = await open(kubeconfig('bypass', {}), { HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1,localhost' });
    const after = proxy.tunnels.length;
    await write(bypassed);
    expect(proxy.tunnels.length).toBe(after);
  });

  it('tls-server-name is used for the certificate check', async () => {
    // The serving certificate names 127.0.0.1, localhost and ::1.
    await write(await open(kubeconfig('sni-ok', { 'tls-server-name': 'localhost' })));
    const wrong = await open(kubeconfig('sni-wrong', { 'tls-server-name': 'api.example.invalid' }));
    const error = await write(wrong).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TlsError);
    expect((error as Error).message).toMatch(/TLS handshake failed .*(ERR_TLS_CERT_ALTNAME_INVALID|altnames)/);
  });
});
