import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, DEFAULT_MAX_CONNECTIONS, type ConnectOptions } from '../../../src/connection/index.ts';
import { ValidationError } from '../../../src/errors.ts';
import { sleep } from '../../../src/util/sleep.ts';
import { json, startRecordingServer, type RecordingServer } from '../../helpers/recording-server.ts';

let server: RecordingServer;
/** Requests the server holds at once, and the most it ever held. */
let open = 0;
let mostOpen = 0;

beforeAll(async () => {
  server = await startRecordingServer(async (_request, response) => {
    open += 1;
    mostOpen = Math.max(mostOpen, open);
    // Held long enough that the client has all its requests in flight at once.
    await sleep(20);
    open -= 1;
    json(response, 200, { kind: 'Status', status: 'Success' });
  });
});
afterAll(() => server.close());

function kubeconfig() {
  return {
    clusters: [{ name: 'local', cluster: { server: server.url } }],
    users: [{ name: 'u', user: { token: 't' } }],
    contexts: [{ name: 'c', context: { cluster: 'local', user: 'u' } }],
    'current-context': 'c',
  };
}

async function fire(options: ConnectOptions, requests: number) {
  mostOpen = 0;
  const conn = await connect({ kubeconfig: kubeconfig(), ...options });
  try {
    const url = `${server.url}/apis/events.k8s.io/v1/namespaces/default/events`;
    await Promise.all(Array.from({ length: requests }, () => conn.ky.get(url).text()));
    return { opened: conn.stats().connectionsOpened, mostOpen };
  } finally {
    await conn.close();
  }
}

describe('connect({ maxConnections })', () => {
  it('opens at most the cap of connections however many requests are in flight', async () => {
    expect(await fire({ maxConnections: 3 }, 40)).toEqual({ opened: 3, mostOpen: 3 });
  });

  it(`defaults to ${DEFAULT_MAX_CONNECTIONS}`, async () => {
    const { opened } = await fire({}, 3 * DEFAULT_MAX_CONNECTIONS);
    expect(opened).toBe(DEFAULT_MAX_CONNECTIONS);
  });

  it('false lifts the cap: one connection per request in flight', async () => {
    const { opened, mostOpen: held } = await fire({ maxConnections: false }, 40);
    expect(opened).toBe(40);
    expect(held).toBe(40);
  });

  it.each([0, -1, 1.5, Number.NaN, Infinity, '4'])(
    'rejects maxConnections %s with a ValidationError naming it',
    async (value) => {
      await expect(connect({ kubeconfig: kubeconfig(), maxConnections: value as number })).rejects.toThrow(
        expect.objectContaining({ name: 'ValidationError', field: 'options.maxConnections' }) as Error,
      );
    },
  );

  it('rejects a non-boolean http2', async () => {
    await expect(connect({ kubeconfig: kubeconfig(), http2: 'yes' as unknown as boolean })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });
});
