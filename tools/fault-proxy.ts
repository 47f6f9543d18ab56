/**
 * A proxy on 127.0.0.1 in front of the harness's HTTPS kube-apiserver, for fault injection and
 * request counting: a rule chosen by the caller answers a request itself (429, 5xx), resets the
 * client's connection before or after forwarding it, or passes it through. Responses are streamed
 * back, so watches work. Every request is counted by method and path. It speaks plain HTTP, or
 * HTTPS with a certificate it is given (bench:peers: rustls needs an end-entity certificate).
 * Loopback only; bodies, records and connections are bounded.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type RequestListener,
  type ServerResponse,
} from 'node:http';
import { Agent, createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import { Socket, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What the proxy does with one request. */
export type FaultAction =
  | { kind: 'pass' }
  /** Answer without forwarding: a Kubernetes Status body; `Retry-After` only when given. */
  | { kind: 'status'; status: number; retryAfterSeconds?: number; reason?: string }
  /** Reset the client's connection; the server never sees the request. */
  | { kind: 'reset-before' }
  /** Forward, wait for the server's answer, then reset the client's connection instead of answering. */
  | { kind: 'reset-after' };

export type Outcome = 'passed' | 'status' | 'reset-before' | 'reset-after' | 'upstream-error';

/** One request as a rule sees it. */
export interface ProxiedRequest {
  method: string;
  /** Without the query, e.g. `/apis/events.k8s.io/v1/namespaces/ns/events`. */
  path: string;
  query: URLSearchParams;
  /** 1-based: this is the n-th request with this method (faulted ones included). */
  nthOfMethod: number;
  /** 1-based over all requests. */
  nth: number;
}

export type FaultRule = (request: ProxiedRequest) => FaultAction | undefined;

export interface ProxyRecord {
  method: string;
  path: string;
  outcome: Outcome;
  /** Status the client got (undefined after a reset). */
  status: number | undefined;
  /** When it arrived (Date.now()), for diagnosing a failed test; never for assertions. */
  at: number;
}

export interface CountFilter {
  method?: string;
  /** A path prefix, or a pattern. */
  path?: string | RegExp;
  outcome?: Outcome | readonly Outcome[];
  /** The status the client got (e.g. 429 from the apiserver itself, passed through). */
  status?: number;
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`, or `https://` with `tls` */
  readonly url: string;
  /** Every request handled so far (the newest `maxRecords`). */
  readonly records: readonly ProxyRecord[];
  /** Sets the rule for the next requests; undefined passes everything through. */
  setRule(rule: FaultRule | undefined): void;
  /** Requests matching the filter (all outcomes unless `outcome` is given). */
  count(filter?: CountFilter): number;
  /** Requests that reached the apiserver (passed through, or reset after forwarding). */
  reachedServer(filter?: Omit<CountFilter, 'outcome'>): number;
  /** Writes a kubeconfig for this proxy with a bearer token and returns its path. */
  kubeconfig(token: string, namespace?: string): string;
  /**
   * Client connections so far: TCP connections accepted, TLS handshakes completed on them (HTTPS
   * only; a client that reuses its connections opens few), and the most open at once.
   */
  connections(): { accepted: number; tls: number; peakOpen: number };
  /** Resets (RST) every open client connection, idle or busy; returns how many. */
  resetConnections(): number;
  close(): Promise<void>;
}

/** Records kept (oldest dropped beyond it). */
const MAX_RECORDS = 50_000;
/** A request body larger than this is refused (413): Events are a few KiB. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Open client connections beyond this are refused, unless the caller sets its own limit. */
const MAX_CONNECTIONS = 256;

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

function forwardHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name.toLowerCase())) out[name] = value;
  }
  return out;
}

const REASONS: Record<number, string> = {
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

function statusBody(status: number, reason: string, retryAfterSeconds: number | undefined): string {
  return JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `injected by the fault proxy: ${status} ${reason}`,
    reason,
    ...(retryAfterSeconds !== undefined ? { details: { retryAfterSeconds } } : {}),
    code: status,
  });
}

function isLoopback(hostname: string): boolean {
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]' || hostname === '::1';
}

/** RST, not FIN: the client sees ECONNRESET, as after a middlebox or a crashed server. */
function resetSocket(socket: Socket): void {
  // A TLS socket has no TCP handle of its own: reset the TCP socket under it (Node keeps it as
  // `_parent`); without one, a plain destroy still ends the connection.
  const tcp = (socket as Socket & { _parent?: unknown })._parent;
  if (tcp instanceof Socket) tcp.resetAndDestroy();
  else if (socket.constructor === Socket) socket.resetAndDestroy();
  else socket.destroy();
}

function matches(record: ProxyRecord, filter: CountFilter): boolean {
  if (filter.method !== undefined && record.method !== filter.method.toUpperCase()) return false;
  if (typeof filter.path === 'string' && !record.path.startsWith(filter.path)) return false;
  if (filter.path instanceof RegExp && !filter.path.test(record.path)) return false;
  if (filter.outcome !== undefined) {
    const outcomes: readonly Outcome[] = typeof filter.outcome === 'string' ? [filter.outcome] : filter.outcome;
    if (!outcomes.includes(record.outcome)) return false;
  }
  if (filter.status !== undefined && record.status !== filter.status) return false;
  return true;
}

/**
 * Starts a proxy to `upstream` (an https URL on loopback, or anywhere with `allowRemote`: the
 * external cluster the user pointed the tests at) that trusts `caFile`. The proxy itself listens
 * on loopback only.
 */
export async function startFaultProxy(options: {
  upstream: string;
  caFile: string;
  allowRemote?: boolean;
  /** Serve HTTPS with this certificate; `caFile` is what clients must trust for it. */
  tls?: { certFile: string; keyFile: string; caFile: string };
  maxConnections?: number;
  /** Records kept, and so counted; older ones are dropped. @default 50,000 */
  maxRecords?: number;
}): Promise<FaultProxy> {
  const upstream = new URL(options.upstream);
  if (upstream.protocol !== 'https:' || (options.allowRemote !== true && !isLoopback(upstream.hostname))) {
    throw new Error(`fault proxy: upstream must be https on loopback, got ${options.upstream}`);
  }
  // Never the bottleneck: 64 upstream sockets (the old cap) is fewer than a bench:peers fleet opens
  // (20 recorders × up to 16 connections), whose requests then waited here, not at the apiserver.
  const agent = new Agent({ keepAlive: true, maxSockets: 1024, ca: readFileSync(options.caFile) });
  const records: ProxyRecord[] = [];
  const perMethod = new Map<string, number>();
  let total = 0;
  let rule: FaultRule | undefined;
  const sockets = new Set<Socket>();
  const opened = { accepted: 0, tls: 0, peakOpen: 0 };
  const upstreamRequests = new Set<ReturnType<typeof httpsRequest>>();
  const dir = mkdtempSync(join(tmpdir(), 'kube-events-fault-proxy-'));
  let kubeconfigs = 0;

  const record = (entry: ProxyRecord): void => {
    records.push(entry);
    if (records.length > (options.maxRecords ?? MAX_RECORDS)) records.shift();
  };

  const reset = (req: IncomingMessage): void => resetSocket(req.socket);

  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    const method = (req.method ?? 'GET').toUpperCase();
    const parsed = new URL(req.url ?? '/', 'http://proxy.invalid');
    total += 1;
    const nthOfMethod = (perMethod.get(method) ?? 0) + 1;
    perMethod.set(method, nthOfMethod);
    const action = rule?.({ method, path: parsed.pathname, query: parsed.searchParams, nthOfMethod, nth: total }) ?? {
      kind: 'pass',
    };
    const entry: ProxyRecord = { method, path: parsed.pathname, outcome: 'passed', status: undefined, at: Date.now() };
    record(entry);

    if (action.kind === 'status') {
      const reason = action.reason ?? REASONS[action.status] ?? `HTTP${action.status}`;
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (action.retryAfterSeconds !== undefined) headers['Retry-After'] = String(action.retryAfterSeconds);
      entry.outcome = 'status';
      entry.status = action.status;
      res.writeHead(action.status, headers);
      res.end(statusBody(action.status, reason, action.retryAfterSeconds));
      return;
    }
    if (action.kind === 'reset-before') {
      entry.outcome = 'reset-before';
      reset(req);
      return;
    }

    const outgoing = httpsRequest(
      {
        agent,
        protocol: 'https:',
        hostname: upstream.hostname,
        port: upstream.port,
        method,
        path: `${parsed.pathname}${parsed.search}`,
        headers: { ...forwardHeaders(req.headers), host: upstream.host, 'content-length': String(body.length) },
      },
      (answer) => {
        if (action.kind === 'reset-after') {
          entry.outcome = 'reset-after';
          // The server has processed the request; the client never learns the outcome.
          answer.resume();
          answer.once('end', () => reset(req));
          return;
        }
        entry.status = answer.statusCode;
        res.writeHead(answer.statusCode ?? 502, forwardHeaders(answer.headers));
        res.flushHeaders();
        answer.pipe(res);
        answer.once('error', () => res.destroy());
      },
    );
    upstreamRequests.add(outgoing);
    outgoing.once('close', () => upstreamRequests.delete(outgoing));
    outgoing.once('error', () => {
      // The apiserver is down or went away: the client sees its connection fail the same way.
      entry.outcome = 'upstream-error';
      reset(req);
    });
    // A client that goes away (an aborted watch) takes the upstream request with it.
    res.once('close', () => {
      if (!res.writableFinished) outgoing.destroy();
    });
    outgoing.end(body);
  };

  const onRequest: RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.once('end', () => {
      if (size > MAX_BODY_BYTES) {
        res.writeHead(413, { 'Content-Type': 'text/plain' });
        res.end('fault proxy: request body too large');
        return;
      }
      handle(req, res, Buffer.concat(chunks));
    });
    req.once('error', () => res.destroy());
  };
  const server =
    options.tls === undefined
      ? createServer(onRequest)
      : createHttpsServer(
          {
            cert: readFileSync(options.tls.certFile),
            key: readFileSync(options.tls.keyFile),
            keepAliveTimeout: 30_000,
          },
          onRequest,
        );
  server.maxConnections = options.maxConnections ?? MAX_CONNECTIONS;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    opened.accepted += 1;
    opened.peakOpen = Math.max(opened.peakOpen, sockets.size);
    socket.once('close', () => sockets.delete(socket));
    // A reset socket emits an error on our side as well; it is expected.
    socket.on('error', () => undefined);
  });
  server.on('secureConnection', () => {
    opened.tls += 1;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `${options.tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`;
  const clusterTls = options.tls === undefined ? {} : { 'certificate-authority': options.tls.caFile };

  return {
    url,
    records,
    setRule(next) {
      rule = next;
    },
    count(filter = {}) {
      return records.filter((entry) => matches(entry, filter)).length;
    },
    reachedServer(filter = {}) {
      return records.filter((entry) => matches(entry, { ...filter, outcome: ['passed', 'reset-after'] })).length;
    },
    kubeconfig(token, namespace = 'default') {
      kubeconfigs += 1;
      const file = join(dir, `proxy-${kubeconfigs}.kubeconfig`);
      const config = {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'fault-proxy', cluster: { server: url, ...clusterTls } }],
        users: [{ name: 'proxied', user: { token } }],
        contexts: [{ name: 'fault-proxy', context: { cluster: 'fault-proxy', user: 'proxied', namespace } }],
        'current-context': 'fault-proxy',
      };
      // JSON is YAML; 0600 because it holds a token.
      writeFileSync(file, JSON.stringify(config, null, 2), { mode: 0o600 });
      return file;
    },
    connections() {
      return { ...opened };
    },
    resetConnections() {
      const open = [...sockets];
      for (const socket of open) resetSocket(socket);
      return open.length;
    },
    async close() {
      for (const outgoing of upstreamRequests) outgoing.destroy();
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
