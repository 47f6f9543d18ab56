/**
 * Proof that the tests talk to a real kube-apiserver (v1.37.2 on the built-in harness, whatever the
 * cluster runs with KUBE_EVENTS_TEST_KUBECONFIG), and that it behaves as the SDK assumes.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullSpec } from '../../src/cli/spec-pull.ts';
import { OPENAPI_DIR, SOURCE_FILE_NAME, type SpecSource } from '../../codegen/spec-files.ts';
import { isForbidden } from '../../src/errors.ts';
import type { Connection } from '../../src/connection/index.ts';
import { eventName } from '../../src/util/event-name.ts';
import { microTimeNow } from '../../src/micro-time.ts';
import { control, startHarness } from '../../tools/harness/start.ts';
import { apiAs, closeConnections, connectAs, escapeRegExp, freshNamespace, kube, kubectl, userName } from './env.ts';

let ns: string;
let admin: Connection;

const rawEvent = (name: string, eventTime: string) => ({
  apiVersion: 'events.k8s.io/v1',
  kind: 'Event',
  metadata: { name, namespace: ns },
  eventTime,
  type: 'Normal',
  reason: 'Raw',
  action: 'Test',
  reportingController: 'kube-events.test/suite',
  reportingInstance: 'suite-0',
  regarding: { apiVersion: 'v1', kind: 'Pod', namespace: ns, name: 'web-0' },
});

beforeAll(async () => {
  ns = await freshNamespace('real');
  admin = await connectAs('admin');
});
afterAll(closeConnections);

describe('the real kube-apiserver', () => {
  it('kubectl reports the client version it was built as and the server version /version gave', async () => {
    const version = JSON.parse(await kubectl(['version', '-o', 'json'])) as {
      clientVersion: { gitVersion: string };
      serverVersion: { gitVersion: string };
    };
    expect(version.clientVersion.gitVersion).toBe(kube().kubectlVersion);
    expect(version.serverVersion.gitVersion).toBe(kube().info.version);
    expect(kube().info.version).toMatch(/^v\d+\.\d+\.\d+/);
    // The built-in harness is built as v1.37.2, server and kubectl alike.
    if (!kube().external) expect([kube().info.version, kube().kubectlVersion]).toEqual(['v1.37.2', 'v1.37.2']);
  });

  it('rejects an eventTime with 3 fractional digits with 400, accepts 6', async () => {
    const url = `${admin.baseUrl}/apis/events.k8s.io/v1/namespaces/${ns}/events`;
    const three = await admin.ky.post(url, { json: rawEvent(eventName('three'), new Date().toISOString()) });
    expect(three.status).toBe(400);
    const status = await three.json<{ reason: string; message: string }>();
    expect(status.reason).toBe('BadRequest');
    expect(status.message).toMatch(/cannot parse ".\d{3}Z" as ".000000"/);
    const six = await admin.ky.post(url, { json: rawEvent(eventName('six'), microTimeNow()) });
    expect(six.status).toBe(201);
  });

  it('rejects a create sent as */* with 415', async () => {
    const response = await admin.ky.post(`${admin.baseUrl}/apis/events.k8s.io/v1/namespaces/${ns}/events`, {
      body: JSON.stringify(rawEvent(eventName('wild'), microTimeNow())),
      headers: { 'Content-Type': '*/*' },
    });
    expect(response.status).toBe(415);
  });

  it('events-creator may create but gets 403 on patch; nobody gets 403 on create', async () => {
    const creator = await apiAs('events-creator');
    const name = eventName('creator');
    const body = { ...rawEvent(name, microTimeNow()), type: 'Normal' as const };
    await creator.create(body as Parameters<typeof creator.create>[0]);
    const patch = await creator
      .patch({ namespace: ns, name, type: 'merge', patch: { note: 'x' } })
      .catch((e: unknown) => e);
    expect(isForbidden(patch)).toBe(true);
    expect((patch as Error).message).toMatch(/cannot patch resource "events" in API group "events.k8s.io"/);
    const nobody = await apiAs('nobody');
    const create = await nobody
      .create({ ...body, metadata: { name: eventName('nobody'), namespace: ns } } as Parameters<
        typeof creator.create
      >[0])
      .catch((e: unknown) => e);
    expect(isForbidden(create)).toBe(true);
    expect((create as Error).message).toMatch(
      new RegExp(`User "${escapeRegExp(userName('nobody'))}" cannot create resource "events"`),
    );
  });

  it('kubectl describe of a Pod shows an Event written through the SDK', async () => {
    await kubectl(['run', 'web-0', '-n', ns, '--image', 'registry.invalid/web:1', '--restart', 'Never']);
    const uid = (await kubectl(['get', 'pod', 'web-0', '-n', ns, '-o', 'jsonpath={.metadata.uid}'])).trim();
    await admin.events.create({
      ...rawEvent(eventName('web-0'), microTimeNow()),
      type: 'Warning',
      reason: 'BackOff',
      note: 'image pull failed',
      regarding: { apiVersion: 'v1', kind: 'Pod', namespace: ns, name: 'web-0', uid },
    } as Parameters<typeof admin.events.create>[0]);
    const described = await kubectl(['describe', 'pod', 'web-0', '-n', ns]);
    expect(described).toMatch(/Warning\s+BackOff\s+\S+\s+kube-events\.test\/suite\s+image pull failed/);
  });

  it("spec:pull reads the server's events.k8s.io/v1 spec, the one openapi/<version> holds", async () => {
    const openapiDir = mkdtempSync(join(tmpdir(), 'kube-events-pull-'));
    try {
      // spec:pull takes a token or a client certificate, not the exec plugin an external admin may use;
      // /version and /openapi are open to every authenticated user, events-writer included.
      const identity = kube().external ? 'events-writer' : 'admin';
      const pulled = await pullSpec({ kubeconfig: kube().info.kubeconfigs[identity], openapiDir });
      expect(pulled.source.gitVersion).toBe(kube().info.version);
      expect(existsSync(join(pulled.dir, pulled.source.file))).toBe(true);
      // pullSpec checked the spec's shape. Its exact bytes are known for the versions committed
      // (always for the harness's); a cluster of another version or distribution has its own.
      const committedFile = join(OPENAPI_DIR, pulled.source.gitVersion, SOURCE_FILE_NAME);
      if (!kube().external || existsSync(committedFile)) {
        const committed = JSON.parse(readFileSync(committedFile, 'utf8')) as SpecSource;
        expect(committed.gitVersion).toBe(pulled.source.gitVersion);
        expect(pulled.source.sha256).toBe(committed.sha256);
      }
    } finally {
      rmSync(openapiDir, { recursive: true, force: true });
    }
  });

  it('keeps events across an apiserver restart', async () => {
    // On a harness of its own: the shared server is not disturbed, and an external cluster cannot be restarted.
    const harness = await startHarness(kube().apiserverBinary);
    try {
      const own = await connectAs('admin', { info: harness.info });
      const name = eventName('durable');
      const event = {
        ...rawEvent(name, microTimeNow()),
        metadata: { name, namespace: 'default' },
        regarding: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web-0' },
      };
      await own.events.create(event as Parameters<typeof own.events.create>[0]);
      await control(harness.info, 'restart');
      const read = await own.events.read({ namespace: 'default', name });
      expect(read.metadata?.name).toBe(name);
    } finally {
      await harness.stop();
    }
  });
});
