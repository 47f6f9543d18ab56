import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createKubeFetch, createKy, type HttpOptions } from '../../../src/connection/http.ts';
import { TokenBucket } from '../../../src/util/token-bucket.ts';
import { retryPolicy } from '../../../src/connection/retry.ts';
import { Transport } from '../../../src/connection/transport.ts';
import { AbortedError, ApiError, NetworkError } from '../../../src/errors.ts';
import { EventsApi } from '../../../src/events-api.ts';
import { rotatingTokens } from '../../helpers/auth.ts';
import { sampleEvent } from '../../helpers/fixtures.ts';
import { json, startRecordingServer, type RecordingServer } from '../../helpers/recording-server.ts';

let server: RecordingServer;
beforeAll(async () => {
  server = await startRecordingServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

function setup(overrides: Partial<HttpOptions> = {}, baseUrl = server.url) {
  const transport = new Transport({ tls: { insecureSkipTlsVerify: false }, env: {}, origin: 'test' });
  const { fetch, stats } = createKubeFetch({
    transport,
    auth: rotatingTokens(['first', 'second']),
    userAgent: 'kube-events/0.0.0-test (node test)',
    retry: retryPolicy({ maxRetries: 3, baseDelayMs: 1, maxDelayMs: 5 }),
    rateLimiter: undefined,
    origin: 'test',
    ...overrides,
  });
  return { api: new EventsApi({ baseUrl, ky: createKy(fetch) }), stats, transport };
}

const status = (code: number, reason: string) => ({ kind: 'Status', code, reason, message: reason });

describe('kube fetch', () => {
  it('sends credentials, User-Agent and impersonation headers', async () => {
    server.handle((request, response) => json(response, 201, JSON.parse(request.body)));
    const { api } = setup({ impersonate: { user: 'jane', groups: ['dev', 'ops'], extra: { scopes: ['a b'] } } });
    await api.create(sampleEvent());
    const headers = server.requests[0]?.headers ?? {};
    expect(headers.authorization).toBe('Bearer first');
    expect(headers['user-agent']).toBe('kube-events/0.0.0-test (node test)');
    expect(headers['impersonate-user']).toBe('jane');
    // One line per group, as client-go sends them: the apiserver reads `dev, ops` on one line as one group.
    const raw = server.requests[0]?.rawHeaders ?? [];
    const groups = raw.filter((_value, i) => i % 2 === 1 && raw[i - 1]?.toLowerCase() === 'impersonate-group');
    expect(groups).toEqual(['dev', 'ops']);
    expect(headers['impersonate-extra-scopes']).toBe('a b');
    expect(headers['content-type']).toBe('application/json');
  });

  it('after a 401 asks for fresh credentials and retries once', async () => {
    server.handle((request, response) =>
      request.headers.authorization === 'Bearer second'
        ? json(response, 200, sampleEvent())
        : json(response, 401, status(401, 'Unauthorized')),
    );
    const { api, stats } = setup();
    await api.read({ namespace: 'default', name: 'x' });
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(['Bearer first', 'Bearer second']);
    expect(stats.unauthorizedRefreshes).toBe(1);
  });

  it('a 401 that fresh credentials do not fix is an ApiError, after one retry', async () => {
    server.handle((_request, response) => json(response, 401, status(401, 'Unauthorized')));
    const { api } = setup();
    await expect(api.read({ namespace: 'default', name: 'x' })).rejects.toMatchObject({
      status: 401,
      reason: 'Unauthorized',
    });
    expect(server.requests).toHaveLength(2);
  });

  it('retries 429 with Retry-After for a POST, sending the same body', async () => {
    let calls = 0;
    server.handle((request, response) => {
      calls += 1;
      if (calls === 1) return json(response, 429, status(429, 'TooManyRequests'), { 'Retry-After': '0' });
      json(response, 201, JSON.parse(request.body));
    });
    const { api, stats } = setup();
    await api.create(sampleEvent());
    expect(server.requests).toHaveLength(2);
    expect(server.requests[0]?.body).toBe(server.requests[1]?.body);
    expect(stats.retries).toBe(1);
  });

  it('retries 503 with Retry-After up to the cap, not 500 without it', async () => {
    server.handle((_request, response) =>
      json(response, 503, status(503, 'ServiceUnavailable'), { 'Retry-After': '0' }),
    );
    const { api } = setup();
    await expect(api.read({ namespace: 'd', name: 'x' })).rejects.toBeInstanceOf(ApiError);
    expect(server.requests).toHaveLength(4);
    server.requests.length = 0;
    server.handle((_request, response) => json(response, 500, status(500, 'InternalError')));
    await expect(api.read({ namespace: 'd', name: 'x' })).rejects.toMatchObject({ status: 500 });
    expect(server.requests).toHaveLength(1);
  });

  it('a connection reset after a POST was sent is not retried; after a GET it is', async () => {
    server.handle((_request, response) => {
      response.socket?.destroy();
    });
    const { api } = setup();
    await expect(api.create(sampleEvent())).rejects.toBeInstanceOf(NetworkError);
    expect(server.requests).toHaveLength(1);
    server.requests.length = 0;
    let calls = 0;
    server.handle((_request, response) => {
      calls += 1;
      if (calls === 1) response.socket?.destroy();
      else json(response, 200, sampleEvent());
    });
    await api.read({ namespace: 'd', name: 'x' });
    expect(server.requests).toHaveLength(2);
  });

  it('a refused connection is retried for every verb, then fails with a clear error', async () => {
    const closed = await startRecordingServer();
    await closed.close();
    const { api, stats } = setup({}, closed.url);
    const error = await api.create(sampleEvent()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toMatch(/cannot reach the apiserver \(ECONNREFUSED/);
    expect(stats.attempts).toBe(4);
  });

  it('reuses one keep-alive connection for sequential requests', async () => {
    server.handle((_request, response) => json(response, 200, sampleEvent()));
    const { api, transport } = setup();
    for (let i = 0; i < 20; i++) await api.read({ namespace: 'd', name: `x${i}` });
    // The pool may open a second socket while the first is being released; never one per request.
    expect(transport.connectionsOpened).toBeLessThanOrEqual(2);
    await transport.close();
  });

  it('takes a rate-limit token for every attempt', async () => {
    let time = 0;
    const slept: number[] = [];
    const bucket = new TokenBucket(
      { qps: 10, burst: 2 },
      {
        now: () => time,
        sleep: (ms) => {
          slept.push(ms);
          time += ms;
          return Promise.resolve();
        },
      },
    );
    server.handle((_request, response) => json(response, 200, sampleEvent()));
    const { api } = setup({ rateLimiter: bucket });
    for (let i = 0; i < 5; i++) await api.read({ namespace: 'd', name: 'x' });
    expect(slept).toHaveLength(3);
  });

  describe('the answer handed to ky', () => {
    const kyOf = (overrides: Partial<HttpOptions> = {}) => {
      const transport = new Transport({ tls: { insecureSkipTlsVerify: false }, env: {}, origin: 'test' });
      const { fetch } = createKubeFetch({
        transport,
        auth: rotatingTokens(['first']),
        userAgent: 'kube-events/0.0.0-test (node test)',
        retry: retryPolicy({ maxRetries: 3, baseDelayMs: 1, maxDelayMs: 5 }),
        rateLimiter: undefined,
        origin: 'test',
        ...overrides,
      });
      return createKy(fetch);
    };

    it('a 204 has no body; status and headers come through', async () => {
      server.handle((_request, response) => {
        response.writeHead(204, { 'X-Answer': 'none' });
        response.end();
      });
      const response = await kyOf().delete(`${server.url}/x`);
      expect(response.status).toBe(204);
      expect(response.headers.get('x-answer')).toBe('none');
      expect(response.body).toBeNull();
    });

    it('streams an answer without Content-Length (a watch) chunk by chunk, before it ends', async () => {
      let finish: () => void = () => undefined;
      server.handle((_request, response) => {
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.write('{"type":"ADDED"}\n');
        finish = () => response.end('{"type":"DELETED"}\n');
      });
      const response = await kyOf().get(`${server.url}/watch`);
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const first = await reader.read();
      expect(new TextDecoder().decode(first.value)).toBe('{"type":"ADDED"}\n');
      finish();
      let rest = '';
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
        rest += new TextDecoder().decode(chunk.value);
      expect(rest).toBe('{"type":"DELETED"}\n');
    });

    it('a body cut off mid-way is a NetworkError, not a parse error', async () => {
      server.handle((_request, response) => {
        response.writeHead(201, { 'Content-Type': 'application/json', 'Content-Length': '1000' });
        response.write('{"kind":');
        setTimeout(() => response.socket?.destroy(), 20);
      });
      const error = await kyOf()
        .post(`${server.url}/apis/events.k8s.io/v1/namespaces/d/events`, { json: {} })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NetworkError);
      expect((error as Error).message).toMatch(/failed while the answer was read/);
    });

    it('an abort while waiting for the answer is an AbortedError', async () => {
      server.handle(() => undefined);
      const controller = new AbortController();
      const pending = kyOf().get(`${server.url}/slow`, { signal: controller.signal });
      setTimeout(() => controller.abort(), 20);
      await expect(pending).rejects.toBeInstanceOf(AbortedError);
    });
  });
});
