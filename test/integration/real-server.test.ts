/** Proof that the tests talk to a real kube-apiserver v1.37.2, and that it behaves as the SDK assumes. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullSpec } from '../../codegen/pull-spec.ts';
import { OPENAPI_DIR, SOURCE_FILE_NAME, type SpecSource } from '../../codegen/spec-files.ts';
import { isForbidden } from '../../src/errors.ts';
import type { Connection } from '../../src/connection/index.ts';
import { eventName } from '../../src/util/event-name.ts';
import { microTimeNow } from '../../src/util/micro-time.ts';
import { control } from '../harness/start.ts';
import { apiAs, closeConnections, connectAs, freshNamespace, kube, kubectl } from './env.ts';

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
  it('kubectl reports client and server v1.37.2', async () => {
    const version = JSON.parse(await kubectl(['version', '-o', 'json'])) as {
      clientVersion: { gitVersion: string };
      serverVersion: { gitVersion: string };
    };
    expect(version.clientVersion.gitVersion).toBe('v1.37.2');
    expect(version.serverVersion.gitVersion).toBe('v1.37.2');
    expect(kube().info.version).toBe('v1.37.2');
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
    expect((create as Error).message).toMatch(/User "nobody" cannot create resource "events"/);
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

  it('spec:pull reads the events.k8s.io/v1 spec that openapi/v1.37.2 holds', async () => {
    const openapiDir = mkdtempSync(join(tmpdir(), 'kube-events-pull-'));
    try {
      const pulled = await pullSpec({ kubeconfig: kube().info.kubeconfigs.admin, openapiDir });
      expect(pulled.source.gitVersion).toBe('v1.37.2');
      const committed = JSON.parse(readFileSync(join(OPENAPI_DIR, 'v1.37.2', SOURCE_FILE_NAME), 'utf8')) as SpecSource;
      expect(pulled.source.sha256).toBe(committed.sha256);
    } finally {
      rmSync(openapiDir, { recursive: true, force: true });
    }
  });

  it('keeps events across an apiserver restart', async () => {
    const name = eventName('durable');
    await admin.events.create(rawEvent(name, microTimeNow()) as Parameters<typeof admin.events.create>[0]);
    await control(kube().info, 'restart');
    const read = await admin.events.read({ namespace: ns, name });
    expect(read.metadata?.name).toBe(name);
  });
});
