import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AbortedError,
  ApiError,
  NetworkError,
  ResourceExpiredError,
  TimeoutError,
  ValidationError,
} from '../../src/errors.ts';
import { EventsApi } from '../../src/events-api.ts';
import { json, startRecordingServer, type RecordingServer } from '../helpers/recording-server.ts';
import { EVENT_TIME, sampleEvent } from '../helpers/fixtures.ts';

const BASE = '/apis/events.k8s.io/v1';
let server: RecordingServer;
let api: EventsApi;

beforeAll(async () => {
  server = await startRecordingServer();
  api = new EventsApi({ baseUrl: `${server.url}/` });
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  server.handle((request, response) =>
    json(response, 200, request.body === '' ? { kind: 'Event' } : JSON.parse(request.body)),
  );
});

const last = () => {
  const request = server.requests.at(-1);
  if (request === undefined) throw new Error('no request recorded');
  return request;
};

describe('EventsApi requests on the wire', () => {
  it('create: POST to the event namespace as application/json with the field manager', async () => {
    const created = await api.create(sampleEvent());
    const request = last();
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`${BASE}/namespaces/default/events`);
    expect(request.query.get('fieldManager')).toBe('kube-events');
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body)).toEqual(sampleEvent());
    expect(created.eventTime).toBe(EVENT_TIME);
  });

  it('create: namespace option, dryRun and fieldValidation', async () => {
    const event = sampleEvent({ metadata: { name: 'x.1' } });
    await api.create(event, { namespace: 'team-a', dryRun: true, fieldValidation: 'Strict', fieldManager: 'me' });
    const request = last();
    expect(request.path).toBe(`${BASE}/namespaces/team-a/events`);
    expect(Object.fromEntries(request.query)).toEqual({ fieldManager: 'me', dryRun: 'All', fieldValidation: 'Strict' });
  });

  it('create: refuses a missing or conflicting namespace before any request', async () => {
    await expect(api.create(sampleEvent({ metadata: { name: 'x' } }))).rejects.toThrow(ValidationError);
    await expect(api.create(sampleEvent(), { namespace: 'other' })).rejects.toThrow(
      /differs from the namespace option/,
    );
    expect(server.requests).toHaveLength(0);
  });

  it('read: GET one event', async () => {
    await api.read({ namespace: 'ns', name: 'web-0.1' });
    expect(last().method).toBe('GET');
    expect(last().url).toBe(`${BASE}/namespaces/ns/events/web-0.1`);
    expect(last().body).toBe('');
  });

  it('list: one namespace with selectors and paging', async () => {
    server.handle((_request, response) =>
      json(response, 200, { kind: 'EventList', items: [], metadata: { continue: 'c2' } }),
    );
    const list = await api.list({
      namespace: 'ns',
      labelSelector: 'app=web',
      fieldSelector: 'type=Warning',
      limit: 5,
      continue: 'c1',
    });
    expect(list.metadata?.continue).toBe('c2');
    expect(last().path).toBe(`${BASE}/namespaces/ns/events`);
    expect(Object.fromEntries(last().query)).toEqual({
      labelSelector: 'app=web',
      fieldSelector: 'type=Warning',
      limit: '5',
      continue: 'c1',
    });
  });

  it('list: all namespaces, with resourceVersion', async () => {
    await api.listForAllNamespaces({ resourceVersion: '0', resourceVersionMatch: 'NotOlderThan' });
    expect(last().path).toBe(`${BASE}/events`);
    expect(Object.fromEntries(last().query)).toEqual({ resourceVersion: '0', resourceVersionMatch: 'NotOlderThan' });
  });

  it.each([
    ['merge', 'application/merge-patch+json', { series: { count: 2, lastObservedTime: EVENT_TIME } }],
    ['strategic-merge', 'application/strategic-merge-patch+json', { note: null }],
    ['json', 'application/json-patch+json', [{ op: 'replace', path: '/series/count', value: 3 }]],
  ] as const)('patch %s: its Content-Type and body', async (type, contentType, patch) => {
    await api.patch({ namespace: 'ns', name: 'e.1', type, patch } as Parameters<EventsApi['patch']>[0]);
    const request = last();
    expect(request.method).toBe('PATCH');
    expect(request.path).toBe(`${BASE}/namespaces/ns/events/e.1`);
    expect(request.headers['content-type']).toBe(contentType);
    expect(JSON.parse(request.body)).toEqual(patch);
    expect(request.query.get('fieldManager')).toBe('kube-events');
  });

  it('patch apply: apply-patch+yaml, its field manager and force', async () => {
    const patch = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'e.1' },
      eventTime: EVENT_TIME,
    } as const;
    await api.patch({ namespace: 'ns', name: 'e.1', type: 'apply', patch, fieldManager: 'op', force: true });
    expect(last().headers['content-type']).toBe('application/apply-patch+yaml');
    expect(Object.fromEntries(last().query)).toEqual({ fieldManager: 'op', force: 'true' });
    expect(JSON.parse(last().body)).toEqual(patch);
  });

  it('replace: PUT the whole event at its name', async () => {
    await api.replace(sampleEvent());
    expect(last().method).toBe('PUT');
    expect(last().path).toBe(`${BASE}/namespaces/default/events/web-0.187b3c0a1e2f4d5c`);
    expect(last().headers['content-type']).toBe('application/json');
    await expect(api.replace(sampleEvent({ metadata: { namespace: 'ns' } }))).rejects.toThrow(/metadata.name/);
  });

  it('delete: DELETE one event, with DeleteOptions as JSON', async () => {
    server.handle((_request, response) => json(response, 200, { kind: 'Status', status: 'Success' }));
    const status = await api.delete(
      { namespace: 'ns', name: 'e.1' },
      { body: { gracePeriodSeconds: 0 }, dryRun: true },
    );
    expect(status.status).toBe('Success');
    expect(last().method).toBe('DELETE');
    expect(last().url).toBe(`${BASE}/namespaces/ns/events/e.1?dryRun=All`);
    expect(last().headers['content-type']).toBe('application/json');
    expect(JSON.parse(last().body)).toEqual({ gracePeriodSeconds: 0 });
  });

  it('deleteCollection: DELETE the collection with selectors', async () => {
    server.handle((_request, response) => json(response, 200, { kind: 'Status', status: 'Success' }));
    await api.deleteCollection({ namespace: 'ns', labelSelector: 'app=web', fieldSelector: 'reason=BackOff' });
    expect(last().method).toBe('DELETE');
    expect(last().path).toBe(`${BASE}/namespaces/ns/events`);
    expect(Object.fromEntries(last().query)).toEqual({ labelSelector: 'app=web', fieldSelector: 'reason=BackOff' });
    expect(last().headers['content-type']).toBeUndefined();
  });
});

describe('EventsApi errors', () => {
  const status = (code: number, reason: string, message: string, details?: object) => ({
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    code,
    reason,
    message,
    ...(details !== undefined ? { details } : {}),
  });

  it('a Status body becomes an ApiError with reason, message and causes', async () => {
    server.handle((_request, response) =>
      json(
        response,
        422,
        status(422, 'Invalid', 'Event "x" is invalid', { causes: [{ field: 'reason', message: 'Required value' }] }),
      ),
    );
    const error = await api.create(sampleEvent()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 422, reason: 'Invalid', method: 'POST', causes: [{ field: 'reason' }] });
    expect((error as ApiError).message).toContain('POST http://127.0.0.1');
    expect((error as ApiError).message).toContain('reason: Required value');
  });

  it('Retry-After is read from the header or the Status details', async () => {
    server.handle((_request, response) =>
      json(response, 429, status(429, 'TooManyRequests', 'slow down'), { 'Retry-After': '7' }),
    );
    await expect(api.read({ namespace: 'ns', name: 'a' })).rejects.toMatchObject({
      reason: 'TooManyRequests',
      retryAfterSeconds: 7,
    });
    server.handle((_request, response) =>
      json(response, 500, status(500, 'InternalError', 'etcd', { retryAfterSeconds: 3 })),
    );
    await expect(api.read({ namespace: 'ns', name: 'a' })).rejects.toMatchObject({ retryAfterSeconds: 3 });
  });

  it('a plain-text body is kept as the message', async () => {
    server.handle((_request, response) => {
      response.writeHead(503, { 'Content-Type': 'text/plain' });
      response.end('upstream connect error');
    });
    await expect(api.read({ namespace: 'ns', name: 'a' })).rejects.toMatchObject({
      status: 503,
      serverMessage: 'upstream connect error',
    });
  });

  it('410 Gone is a ResourceExpiredError', async () => {
    server.handle((_request, response) =>
      json(response, 410, status(410, 'Expired', 'too old resource version: 1 (50)')),
    );
    await expect(api.list({ namespace: 'ns', resourceVersion: '1' })).rejects.toBeInstanceOf(ResourceExpiredError);
  });

  it('timeouts, aborts and unreachable servers are typed', async () => {
    server.handle(() => new Promise(() => {}));
    await expect(api.read({ namespace: 'ns', name: 'slow' }, { timeoutMs: 50 })).rejects.toBeInstanceOf(TimeoutError);
    const controller = new AbortController();
    const pending = api.read({ namespace: 'ns', name: 'slow' }, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(AbortedError);
    const closed = await startRecordingServer();
    await closed.close();
    const unreachable = new EventsApi({ baseUrl: closed.url });
    const error = await unreachable.read({ namespace: 'ns', name: 'a' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).message).toMatch(/cannot reach the apiserver \(ECONNREFUSED\)/);
  });
});
