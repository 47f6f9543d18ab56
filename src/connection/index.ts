/**
 * connect(): a kubeconfig (or the in-cluster environment) turned into a configured client, the
 * way kubectl finds and uses it. Wiring only: loading is load-config.ts, TLS is transport.ts,
 * requests are http.ts.
 *
 * The kubeconfig loader (yaml) and the TLS/HTTP stack (undici) are imported on the first
 * connect(), not with the package: together they are about 100 ms and 30 MiB of resident memory
 * on Node 24 that a process importing kube-events for its types, `FakeRecorder` or a sink of its
 * own never needs (bench/import-cost.ts measures it).
 */
import type { KyInstance } from 'ky';
import { CoreEventsApi } from '../core-events-api.ts';
import { EventsApi, DEFAULT_FIELD_MANAGER, DEFAULT_TIMEOUT_MS, type ApiConnection } from '../events-api.ts';
import { VERSION } from '../version.ts';
import type { HttpStats } from './http.ts';
import type { KubeconfigObject, LoadConfigOptions } from './load-config.ts';
import { checkConnectOptions } from './options.ts';
import { rateLimiter, type RateLimitOptions } from './rate-limit.ts';
import { retryPolicy, type RetryOptions } from './retry.ts';

/**
 * Options of {@link connect}; every one is optional. They are checked at run time: an unknown
 * name (also inside `retry` and `rateLimit`), `null`, a value of the wrong type or out of range is
 * a `ValidationError` naming it (`options.execTimeoutMs`); `undefined` is the same as leaving it
 * out. Every duration is a number of milliseconds > 0 and ≤ 2^31 − 1 (Node's longest timer).
 * @example
 * ```ts
 * const options: ConnectOptions = { context: 'kind-dev', execTimeoutMs: 10_000, retry: { maxRetries: 3 } };
 * const conn = await connect(options);
 * ```
 */
export interface ConnectOptions {
  /** A kubeconfig path, several (merged like KUBECONFIG), or one already parsed (also a @kubernetes/client-node `KubeConfig`). @default KUBECONFIG, then ~/.kube/config, then in-cluster */
  kubeconfig?: string | readonly string[] | KubeconfigObject;
  /** A context name of the kubeconfig. @default the kubeconfig's current-context */
  context?: string;
  /** Default namespace, a namespace name (RFC 1123 label). @default the context's, else `default` (in a pod: POD_NAMESPACE, then the service account's) */
  namespace?: string;
  /** `true`: only the in-cluster service account; `false`: never. @default tried when no kubeconfig exists */
  inCluster?: boolean;
  /** Retries of 429/5xx with Retry-After and of connection failures; `false` for none. @default { maxRetries: 10, baseDelayMs: 250, maxDelayMs: 30000 } */
  retry?: RetryOptions | false;
  /**
   * Client-side token bucket (`{}` gives client-go's QPS 5, burst 10). Off by default: the server's
   * API Priority and Fairness limits clients and answers 429 with Retry-After, which is honoured; the
   * Recorder has its own write budget. @default false
   */
  rateLimit?: RateLimitOptions | false;
  /** Timeout of one call (retries included) in ms, > 0 and ≤ 2^31 − 1; each call may override it. @default 30000 */
  timeoutMs?: number;
  /**
   * Most connections open to the apiserver at once; more requests in flight wait for one (with
   * HTTP/2 they share it as streams, up to 100 each). `false` for no cap: one connection per
   * request in flight, each with its own TLS handshake. A positive integer.
   * @default {@link DEFAULT_MAX_CONNECTIONS}
   */
  maxConnections?: number | false;
  /**
   * Offer HTTP/2 (ALPN `h2`); kube-apiserver accepts it. HTTP/1.1 when the server or a proxy does
   * not. @default {@link DEFAULT_HTTP2}
   */
  http2?: boolean;
  /** The User-Agent header: printable text, no control characters. @default `kube-events/<version> (node <version>)` */
  userAgent?: string;
  /** `fieldManager` of writes: at most 128 printable characters (the apiserver's limit). @default 'kube-events' */
  fieldManager?: string;
  /** An exec credential plugin still running after this many ms (> 0, ≤ 2^31 − 1) is killed. @default 30000 */
  execTimeoutMs?: number;
  /** Receives warnings (insecure TLS, a token file that failed to reload). @default process.emitWarning */
  warn?: (message: string) => void;
  /** Environment for KUBECONFIG, proxies and exec plugins: an object of strings. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** The in-cluster service account's folder (`token`, `ca.crt`, `namespace`). @default /var/run/secrets/kubernetes.io/serviceaccount */
  serviceAccountDir?: string;
}

/** A connection to one cluster as one user: what every kube-events call and the Recorder use. */
export interface Connection extends ApiConnection {
  /** The apiserver URL, e.g. `https://127.0.0.1:6443`. */
  readonly baseUrl: string;
  /** The default namespace. */
  readonly namespace: string;
  /** The ky instance carrying TLS, credentials, retries and the rate limit. */
  readonly ky: KyInstance;
  readonly fieldManager: string;
  readonly timeoutMs: number;
  /** Where the settings came from, e.g. `kubeconfig /home/me/.kube/config (context kind-dev)`. */
  readonly origin: string;
  /** Typed events.k8s.io/v1 operations over this connection. */
  readonly events: EventsApi;
  /** Typed core/v1 Event operations (`/api/v1`): what the Recorder's `legacyFields` mode writes. */
  readonly coreEvents: CoreEventsApi;
  /** Requests, attempts, retries, 401 refreshes and TLS connections opened so far. */
  stats(): HttpStats & { connectionsOpened: number };
  /**
   * Closes pooled connections (requests in flight finish first) and stops credential plugins.
   * From then on every request through the connection, a retry waiting for its turn, or a watch
   * being started fails at once with `ConnectionClosedError`, without touching the network.
   * Close a Recorder using the connection first: its writes would be lost as `connection-closed`.
   * @example
   * ```ts
   * await recorder.close();
   * await conn.close();
   * ```
   */
  close(): Promise<void>;
}

/**
 * Connections per apiserver. bench/connections.ts, 1,000 concurrent event creates as admin against
 * kube-apiserver v1.37.2 on 127.0.0.1 (2 cores shared with other builds, load average 4–12; node 24,
 * undici 7.30; median of 3 and of 5 interleaved runs, 2026-11-30):
 *
 * | setting                  | ms (3 runs) | ms (5 runs) | connections opened |
 * |--------------------------|-------------|-------------|--------------------|
 * | HTTP/2, 1 connection     | 3404        | 4493        | 1                  |
 * | HTTP/2, 2 connections    | 2889        | 4178        | 2                  |
 * | HTTP/2, uncapped         | 6133        | 6953        | 1000 (2 failed once) |
 * | HTTP/1.1, 8 connections  | 2450        | 3193        | 8                  |
 * | HTTP/1.1, 16 connections | 1999        | 2372        | 16                 |
 * | HTTP/1.1, 32 connections | 2434        | 2518        | 32                 |
 * | HTTP/1.1, uncapped       | 4828        | 5698        | 1000               |
 *
 * Uncapped is the slowest (a TLS handshake per write in flight; undici offering h2 does not stop
 * it), HTTP/2 over undici's client is slower than HTTP/1.1 at every cap, and HTTP/1.1 on 16
 * connections was the fastest in both series (8 and 32 within 5–35 %). 16 also leaves room for an
 * apiserver farther away than loopback, where more writes in flight hide the round trip, and for
 * the adaptive write limiter to use more than 8 of the server's seats.
 */
export const DEFAULT_MAX_CONNECTIONS = 16;
/** HTTP/1.1 by default: HTTP/2 over undici was slower at every connection cap measured (see above). */
export const DEFAULT_HTTP2 = false;

export const DEFAULT_USER_AGENT = `kube-events/${VERSION} (node ${process.version})`;

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * Connects the way kubectl does.
 * @throws ValidationError naming the option (`options.timeoutMs`, `options.retry.maxRetries`) when an option is unknown or wrong
 * @throws ConfigError naming the file and field when the kubeconfig or environment is wrong
 * @example
 * ```ts
 * const conn = await connect();                                  // KUBECONFIG, ~/.kube/config or in-cluster
 * const conn2 = await connect({ context: 'kind-dev', rateLimit: { qps: 20, burst: 40 } });
 * ```
 */
export async function connect(options: ConnectOptions = {}): Promise<Connection> {
  checkConnectOptions(options);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const retry = retryPolicy(options.retry);
  const limiter = rateLimiter(options.rateLimit);
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const http2 = options.http2 ?? DEFAULT_HTTP2;
  const loadOptions: LoadConfigOptions = {};
  if (options.kubeconfig !== undefined) loadOptions.kubeconfig = options.kubeconfig;
  if (options.context !== undefined) loadOptions.context = options.context;
  if (options.namespace !== undefined) loadOptions.namespace = options.namespace;
  if (options.inCluster !== undefined) loadOptions.inCluster = options.inCluster;
  if (options.execTimeoutMs !== undefined) loadOptions.execTimeoutMs = options.execTimeoutMs;
  if (options.warn !== undefined) loadOptions.warn = options.warn;
  if (options.env !== undefined) loadOptions.env = options.env;
  if (options.serviceAccountDir !== undefined) loadOptions.serviceAccountDir = options.serviceAccountDir;
  const [{ loadConfig }, { Transport }, { createKubeFetch, createKy }] = await Promise.all([
    import('./load-config.ts'),
    import('./transport.ts'),
    import('./http.ts'),
  ]);
  const config = await loadConfig(loadOptions);
  const transport = new Transport({
    tls: config.tls,
    proxyUrl: config.proxyUrl,
    env: options.env ?? process.env,
    origin: config.origin,
    maxConnections: maxConnections === false ? undefined : maxConnections,
    http2,
  });
  const { fetch, stats } = createKubeFetch({
    transport,
    auth: config.auth,
    impersonate: config.impersonate,
    userAgent: options.userAgent ?? DEFAULT_USER_AGENT,
    retry,
    rateLimiter: limiter,
    origin: config.origin,
  });
  const base = {
    baseUrl: config.server,
    namespace: config.namespace,
    ky: createKy(fetch),
    fieldManager: options.fieldManager ?? DEFAULT_FIELD_MANAGER,
    timeoutMs,
    origin: config.origin,
  };
  const connection: Connection = {
    ...base,
    events: new EventsApi(base),
    coreEvents: new CoreEventsApi(base),
    stats: () => ({ ...stats, connectionsOpened: transport.connectionsOpened }),
    close: async () => {
      // Closed first: a request, retry or plugin run from now on fails with ConnectionClosedError.
      const closing = transport.close();
      config.auth.close();
      await closing;
    },
  };
  // Nothing secret is reachable from here, but keep inspection short and obviously safe.
  Object.defineProperty(connection, INSPECT, {
    value: () =>
      `Connection { baseUrl: '${base.baseUrl}', namespace: '${base.namespace}', origin: '${base.origin}', auth: '${config.auth.method}' }`,
  });
  return connection;
}
