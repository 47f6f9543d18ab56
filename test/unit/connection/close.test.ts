/**
 * conn.close(): every request through the connection fails at once with ConnectionClosedError,
 * without touching the network: new calls, watches, a retry waiting for its turn, a request
 * waiting for an exec plugin; a watch still streaming is ended the same way. None of them is a NetworkError (which the Recorder would retry
 * forever) or a CredentialError.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../../../src/connection/index.ts';
import { ConnectionClosedError, CredentialError, KubeEventsError, NetworkError } from '../../../src/errors.ts';
import { sampleEvent } from '../../helpers/fixtures.ts';
import { json, startRecordingServer, type RecordingServer } from '../../helpers/recording-server.ts';
import { tempDir } from './helpers.ts';

let server: RecordingServer;
beforeAll(async () => {
  server = await startRecordingServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  server.handle((_request, response) =>
    json(response, 200, { kind: 'EventList', apiVersion: 'events.k8s.io/v1', items: [] }),
  );
});

const { dir, write } = tempDir();
/** Hangs until killed, after noting that it ran (so a test can wait for it). */
const hangingPlugin = write(
  'hanging-plugin.mjs',
  `import { appendFileSync } from 'node:fs';
appendFileSync(process.argv[2], 'x');
setInterval(() => {}, 1000);
`,
);

function kubeconfig(user: Record<string, unknown> = { token: 't' }) {
  return {
    clusters: [{ name: 'local', cluster: { server: server.url } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'c', context: { cluster: 'local', user: 'u', namespace: 'ns' } }],
    'current-context': 'c',
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (e: unknown) => e,
  );
}

function expectClosed(error: unknown, method: string): void {
  expect(error).toBeInstanceOf(ConnectionClosedError);
  expect(error).not.toBeInstanceOf(NetworkError);
  expect(error).not.toBeInstanceOf(CredentialError);
  expect((error as ConnectionClosedError).method).toBe(method);
  expect((error as ConnectionClosedError).url).toMatch(new RegExp(`^${server.url}/apis/events.k8s.io/v1/`));
  expect((error as Error).message).toMatch(
    /the connection is closed \(conn\.close\(\) was called\); connect\(\) again$/,
  );
}

describe('conn.close()', () => {
  let conn: Connection;

  it('a token-auth connection: list, create and patch fail at once with ConnectionClosedError, nothing is sent', async () => {
    conn = await connect({ kubeconfig: kubeconfig() });
    await conn.events.list({ namespace: 'ns' });
    expect(server.requests).toHaveLength(1);
    await conn.close();
    const started = Date.now();
    expectClosed(await rejection(conn.events.list({ namespace: 'ns' })), 'GET');
    expectClosed(await rejection(conn.events.create(sampleEvent())), 'POST');
    expectClosed(
      await rejection(conn.events.patch({ namespace: 'ns', name: 'x', type: 'merge', patch: { note: 'n' } })),
      'PATCH',
    );
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(server.requests).toHaveLength(1);
    expect(conn.stats()).toMatchObject({ requests: 1, attempts: 1, retries: 0 });
  });

  it('through the ky instance too: the error is the same class, not wrapped', async () => {
    conn = await connect({ kubeconfig: kubeconfig() });
    await conn.close();
    const error = await rejection(conn.ky.get(`${server.url}/apis/events.k8s.io/v1/namespaces/ns/events`));
    expectClosed(error, 'GET');
  });

  it('a watch started after close() fails with ConnectionClosedError on its first step', async () => {
    conn = await connect({ kubeconfig: kubeconfig() });
    await conn.close();
    const watch = conn.events.watch({ namespace: 'ns' });
    expectClosed(await rejection(watch.next()), 'GET');
    expect(server.requests).toHaveLength(0);
  });

  it('a watch streaming when close() is called ends with ConnectionClosedError, and close() does not wait for it', async () => {
    server.handle((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.write(`${JSON.stringify({ type: 'ADDED', object: sampleEvent() })}\n`);
      // …and never ends, as a watch does not.
    });
    conn = await connect({ kubeconfig: kubeconfig() });
    const watch = conn.events.watch({ namespace: 'ns' });
    expect((await watch.next()).value).toMatchObject({ type: 'ADDED' });
    const next = rejection(watch.next());
    const started = Date.now();
    await conn.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    expectClosed(await next, 'GET');
  });

  it('a request waiting to retry a 429 fails with ConnectionClosedError when close() is called, without waiting out Retry-After', async () => {
    server.handle((_request, response) =>
      json(response, 429, { kind: 'Status', code: 429, reason: 'TooManyRequests' }, { 'Retry-After': '20' }),
    );
    conn = await connect({ kubeconfig: kubeconfig(), retry: { maxRetries: 5, maxDelayMs: 30_000 } });
    const pending = rejection(conn.events.create(sampleEvent()));
    for (let waited = 0; server.requests.length === 0 && waited < 5_000; waited += 10) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const started = Date.now();
    await conn.close();
    expectClosed(await pending, 'POST');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(server.requests).toHaveLength(1);
  });

  it('a request waiting for an exec plugin fails with ConnectionClosedError (not a CredentialError) when close() stops it', async () => {
    const runsFile = join(dir, 'runs-waiting');
    conn = await connect({
      kubeconfig: kubeconfig({
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: process.execPath,
          args: [hangingPlugin, runsFile],
          interactiveMode: 'Never',
        },
      }),
      env: { PATH: process.env.PATH ?? '' },
    });
    const pending = rejection(conn.events.list({ namespace: 'ns' }));
    const runs = (): number => {
      try {
        return readFileSync(runsFile, 'utf8').length;
      } catch {
        return 0;
      }
    };
    for (let waited = 0; runs() === 0 && waited < 10_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    expect(runs()).toBe(1);
    await conn.close();
    expectClosed(await pending, 'GET');
    // After close() the plugin is not run again.
    expectClosed(await rejection(conn.events.list({ namespace: 'ns' })), 'GET');
    expect(runs()).toBe(1);
    expect(server.requests).toHaveLength(0);
  });

  it('every error after close() is a KubeEventsError that the API layer passes through unchanged', async () => {
    conn = await connect({ kubeconfig: kubeconfig() });
    await conn.close();
    const error = await rejection(conn.coreEvents.list({ namespace: 'ns' }));
    expect(error).toBeInstanceOf(KubeEventsError);
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect((error as ConnectionClosedError).url).toMatch(/\/api\/v1\/namespaces\/ns\/events/);
  });
});
