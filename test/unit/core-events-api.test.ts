/** CoreEventsApi on the wire: the core/v1 paths, body types and errors (the real server: test/integration/legacy-fields.test.ts). */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CoreEventsApi } from '../../src/core-events-api.ts';
import { ApiError, ValidationError } from '../../src/errors.ts';
import type { CoreEvent, Time } from '../../src/types.ts';
import { json, startRecordingServer, type RecordingServer } from '../helpers/recording-server.ts';

const BASE = '/api/v1';
let server: RecordingServer;
let api: CoreEventsApi;

const coreEvent: CoreEvent = {
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: 'web-0.1', namespace: 'shop' },
  involvedObject: { kind: 'Pod', name: 'web-0', namespace: 'shop' },
  reason: 'BackOff',
  count: 1,
  lastTimestamp: '2026-11-30T02:20:00Z' as Time,
};

beforeAll(async () => {
  server = await startRecordingServer();
  api = new CoreEventsApi({ baseUrl: server.url, fieldManager: 'me' });
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  server.handle((request, response) =>
    json(response, 200, request.body === '' ? { kind: 'EventList', items: [] } : JSON.parse(request.body)),
  );
});

const last = () => {
  const request = server.requests.at(-1);
  if (request === undefined) throw new Error('no request recorded');
  return request;
};

describe('CoreEventsApi requests on the wire', () => {
  it('create: POST /api/v1/namespaces/{ns}/events as application/json, legacy fields included', async () => {
    await api.create(coreEvent);
    expect(last()).toMatchObject({ method: 'POST', path: `${BASE}/namespaces/shop/events` });
    expect(last().headers['content-type']).toBe('application/json');
    expect(last().query.get('fieldManager')).toBe('me');
    expect(JSON.parse(last().body)).toEqual(coreEvent);
  });

  it('create: a missing namespace is refused before any request', async () => {
    await expect(api.create({ involvedObject: {}, metadata: { name: 'x' } })).rejects.toThrow(ValidationError);
    expect(server.requests).toHaveLength(0);
  });

  it('patch: the Content-Type follows the patch type', async () => {
    await api.patch({ namespace: 'shop', name: 'web-0.1', type: 'merge', patch: { count: 2 } });
    expect(last()).toMatchObject({ method: 'PATCH', path: `${BASE}/namespaces/shop/events/web-0.1` });
    expect(last().headers['content-type']).toBe('application/merge-patch+json');
    await api.patch({
      namespace: 'shop',
      name: 'web-0.1',
      type: 'json',
      patch: [{ op: 'test', path: '/reason', value: 'BackOff' }],
    });
    expect(last().headers['content-type']).toBe('application/json-patch+json');
    expect(JSON.parse(last().body)).toEqual([{ op: 'test', path: '/reason', value: 'BackOff' }]);
  });

  it('read, list with a field selector, and list across namespaces', async () => {
    await api.read({ namespace: 'shop', name: 'web-0.1' });
    expect(last().path).toBe(`${BASE}/namespaces/shop/events/web-0.1`);
    await api.list({ namespace: 'shop', fieldSelector: 'involvedObject.name=web-0' });
    expect(last().path).toBe(`${BASE}/namespaces/shop/events`);
    expect(last().query.get('fieldSelector')).toBe('involvedObject.name=web-0');
    await api.listForAllNamespaces({ limit: 2 });
    expect(last().path).toBe(`${BASE}/events`);
    expect(last().query.get('limit')).toBe('2');
  });

  it('watch: a list with watch=true, decoded line by line', async () => {
    server.handle((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(`${JSON.stringify({ type: 'ADDED', object: coreEvent })}\n`);
    });
    const seen: string[] = [];
    for await (const change of api.watch({ namespace: 'shop' })) {
      if (change.type === 'ADDED') seen.push(`${change.object.involvedObject.name ?? ''} x${change.object.count ?? 0}`);
    }
    expect(seen).toEqual(['web-0 x1']);
    expect(last().query.get('watch')).toBe('true');
  });

  it('a 403 is an ApiError carrying the server message (verb and apiGroup "")', async () => {
    const message =
      'events is forbidden: User "w" cannot create resource "events" in API group "" in the namespace "shop"';
    server.handle((_request, response) =>
      json(response, 403, { kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403, message }),
    );
    const error = await api.create(coreEvent).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).message).toContain('in API group ""');
  });
});
