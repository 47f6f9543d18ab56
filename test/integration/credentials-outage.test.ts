/**
 * An identity provider's short outage, against the real kube-apiserver: an exec credential plugin
 * that fails once in the middle of a series (exit 1, a device-login code on its stderr), then works
 * again. The Recorder retries the write (a retryable CredentialError), every occurrence ends on the
 * server, onError hears of the failure once, and the plugin's stderr is in no error.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../../src/connection/index.ts';
import { CredentialError, EventsLostError, type KubeEventsError } from '../../src/errors.ts';
import { Recorder } from '../../src/recorder/recorder.ts';
import { closeConnections, connectAs, freshNamespace, kube } from './env.ts';

/** What the plugin writes to stderr when it fails, as `az`/`kubelogin` print a device login. */
const DEVICE_CODE = 'DEVICE-CODE-7QK2-SECRET';

let ns: string;
let dir: string;
let admin: Connection;
const opened: Connection[] = [];

beforeAll(async () => {
  ns = await freshNamespace('credentials-outage');
  admin = await connectAs('admin');
  dir = mkdtempSync(join(tmpdir(), 'kube-events-credentials-outage-'));
});
afterAll(async () => {
  await Promise.all(opened.splice(0).map((connection) => connection.close()));
  await closeConnections();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * The plugin, run n times:
 * - run 1 prints a valid token whose expirationTimestamp has already passed: it serves the
 *   request that ran the plugin (the create) and no other, so the next request runs the plugin
 *   again, without the test sleeping until an expiry;
 * - run 2 fails as a plugin does while its identity provider is down: a device code on stderr, exit 1;
 * - run 3 and later print the token again, valid for an hour.
 * A 401 would force a re-run too, but then the failing run would come from the 401 refresh of one
 * request; expiry makes it the plain "credentials for the next write" path every request takes.
 */
function writePlugin(): { script: string; runsFile: string } {
  const script = join(dir, 'flaky-plugin.mjs');
  const runsFile = join(dir, 'flaky-plugin-runs');
  writeFileSync(
    script,
    `import { appendFileSync, existsSync, readFileSync } from 'node:fs';
const [runsFile, token] = process.argv.slice(2);
const run = (existsSync(runsFile) ? readFileSync(runsFile, 'utf8').length : 0) + 1;
appendFileSync(runsFile, 'x');
if (run === 2) {
  process.stderr.write('To sign in, open https://login.example/device and enter the code ${DEVICE_CODE}\\n');
  process.stderr.write('error: identity provider unavailable (503)\\n');
  process.exit(1);
}
const expiresInMs = run === 1 ? -60_000 : 3_600_000;
process.stdout.write(JSON.stringify({
  apiVersion: 'client.authentication.k8s.io/v1',
  kind: 'ExecCredential',
  status: { token, expirationTimestamp: new Date(Date.now() + expiresInMs).toISOString() },
}));
`,
  );
  return { script, runsFile };
}

async function connectWithPlugin(): Promise<{ conn: Connection; runs: () => number }> {
  const { script, runsFile } = writePlugin();
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: kube().info.server, 'certificate-authority': kube().info.caFile } }],
      users: [
        {
          name: 'u',
          user: {
            exec: {
              apiVersion: 'client.authentication.k8s.io/v1',
              command: process.execPath,
              args: [script, runsFile, kube().info.tokens['events-writer']],
              interactiveMode: 'Never',
            },
          },
        },
      ],
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u', namespace: ns } }],
      'current-context': 'ctx',
    }),
    { mode: 0o600 },
  );
  const conn = await connect({ kubeconfig, rateLimit: false });
  opened.push(conn);
  const runs = (): number => {
    try {
      return readFileSync(runsFile, 'utf8').length;
    } catch {
      return 0;
    }
  };
  return { conn, runs };
}

describe('an exec plugin that fails once (an identity provider outage)', () => {
  it('the Recorder retries: series.count 3 on the server, the CredentialError reached onError once, without the plugin stderr', async () => {
    const { conn, runs } = await connectWithPlugin();
    const errors: KubeEventsError[] = [];
    const recorder = new Recorder(
      conn,
      { controller: 'kube-events.test/credentials-outage', instance: 'outage-0' },
      { onError: (error) => errors.push(error) },
    );
    const regarding = { apiVersion: 'v1', kind: 'Pod', namespace: ns, name: 'outage' };
    const event = { type: 'Warning' as const, reason: 'BackOff', action: 'Reconcile', note: 'image pull failed' };

    // Run 1: the create lands.
    expect((await recorder.publish(event, regarding)).write).toBe('created');
    expect(runs()).toBe(1);
    // Run 2 fails: the count-2 patch could not get credentials; the Recorder keeps the count to retry.
    await recorder.publish(event, regarding);
    await recorder.publish(event, regarding);
    // close() retries on its short ladder: run 3 gives credentials and count 3 lands.
    const report = await recorder.close({ timeoutMs: 30_000 });
    expect(report.lost).toBe(0);
    expect(recorder.stats().lost).toMatchObject({ credentials: 0, abandoned: 0 });
    expect(runs()).toBe(3);

    const list = await admin.events.list({ namespace: ns, fieldSelector: 'regarding.name=outage' });
    expect(list.items).toHaveLength(1);
    expect(list.items[0]?.series?.count).toBe(3);

    const credentialErrors = errors.filter((error) => error instanceof CredentialError);
    expect(credentialErrors).toHaveLength(1);
    expect(errors.filter((error) => error instanceof EventsLostError)).toEqual([]);
    const failure = credentialErrors[0] as CredentialError;
    expect(failure.retryable).toBe(true);
    expect(failure.message).toMatch(
      /exec plugin .* exited with code 1 \(its stderr went to this process's stderr\); check that the plugin works: run it by hand$/,
    );
    // Neither the device code nor anything else the plugin wrote to stderr is in the error.
    for (const shown of [
      failure.message,
      failure.stack ?? '',
      inspect(failure, { depth: 10 }),
      JSON.stringify(failure),
    ]) {
      expect(shown).not.toContain(DEVICE_CODE);
      expect(shown).not.toContain('identity provider unavailable');
    }
    expect(failure.cause).toBeUndefined();
  });
});
