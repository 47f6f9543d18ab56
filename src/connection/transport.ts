/**
 * The TLS side of a connection: one undici dispatcher per (cluster, client certificate), with
 * keep-alive, the cluster's CA, tls-server-name and proxies. Requests go through npm undici's own
 * `request()` with these dispatchers (http.ts), never Node's global fetch: a dispatcher only works
 * with the undici that built it (Node 22/24/26 bundle undici 6/7/8), see shared notes
 * kubeconfig-and-transport.md §6.
 */
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { Agent, buildConnector, EnvHttpProxyAgent, ProxyAgent, Socks5ProxyAgent, type Dispatcher } from 'undici';
import { ConfigError } from '../errors.ts';
import type { ClusterTls, Credentials } from './types.ts';

/** Idle keep-alive of pooled connections (client-go keeps idle connections 90 s). */
const KEEP_ALIVE_MS = 60_000;

export interface TransportOptions {
  tls: ClusterTls;
  proxyUrl?: string | undefined;
  /** Environment for HTTPS_PROXY / HTTP_PROXY / NO_PROXY. */
  env: NodeJS.ProcessEnv;
  /** Where the settings came from, for messages. */
  origin: string;
  /** Connections to the apiserver at once (undici's `connections` per origin); undefined for no cap. */
  maxConnections?: number | undefined;
  /** Offer HTTP/2 by ALPN (undici's `allowH2`); requests then share connections as streams. */
  http2?: boolean | undefined;
}

type ClientCertificate = NonNullable<Credentials['clientCertificate']>;

function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name] ?? env[name.toLowerCase()];
  return value === undefined || value === '' ? undefined : value;
}

/**
 * The dispatchers of one connection. `close()` refuses new requests at once (`closed`,
 * `closedSignal`) and closes the pool once the requests in flight are done.
 * @example
 * ```ts
 * const transport = new Transport({ tls: { insecureSkipTlsVerify: false }, env: process.env, origin: 'in-cluster' });
 * const dispatcher = transport.dispatcherFor(undefined);
 * await transport.close(); // transport.closed is now true
 * ```
 */
export class Transport {
  readonly #options: TransportOptions;
  #dispatcher: Dispatcher | undefined;
  #certificate: ClientCertificate | undefined;
  #connections = 0;
  readonly #closing = new AbortController();

  constructor(options: TransportOptions) {
    this.#options = options;
  }

  /** TLS (or plain) connections opened so far: a measure of connection reuse. */
  get connectionsOpened(): number {
    return this.#connections;
  }

  /** close() was called: no request may start. */
  get closed(): boolean {
    return this.#closing.signal.aborted;
  }

  /** Aborted by close(): ends waits (retry backoff, the rate limit) of requests not on the wire. */
  get closedSignal(): AbortSignal {
    return this.#closing.signal;
  }

  /**
   * The dispatcher for requests made with `certificate`; a new certificate replaces the pool.
   * Callers check {@link closed} first (http.ts turns it into a ConnectionClosedError).
   */
  dispatcherFor(certificate: ClientCertificate | undefined): Dispatcher {
    if (this.closed) throw new ConfigError(this.#options.origin, undefined, 'the connection is closed');
    if (this.#dispatcher !== undefined && sameCertificate(certificate, this.#certificate)) return this.#dispatcher;
    const previous = this.#dispatcher;
    this.#dispatcher = this.#build(certificate);
    this.#certificate = certificate;
    // In-flight requests finish on the old pool; a rotated certificate must not be reused.
    if (previous !== undefined) void previous.close().catch(() => undefined);
    return this.#dispatcher;
  }

  /** Refuses new requests at once (synchronously), then closes the pool once requests in flight are done. */
  async close(): Promise<void> {
    this.#closing.abort(new Error('the connection is closed'));
    const dispatcher = this.#dispatcher;
    this.#dispatcher = undefined;
    await dispatcher?.close();
  }

  #build(certificate: ClientCertificate | undefined): Dispatcher {
    const { tls, proxyUrl, env } = this.#options;
    const tlsOptions: TlsConnectionOptions = {
      rejectUnauthorized: !tls.insecureSkipTlsVerify,
      minVersion: 'TLSv1.2',
      ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
      ...(tls.servername !== undefined ? { servername: tls.servername } : {}),
      ...(certificate !== undefined ? { cert: certificate.cert, key: certificate.key } : {}),
    };
    const { maxConnections, http2 = false } = this.#options;
    // The connector offers h2 by ALPN: undici's own allowH2 is not enough with a custom connector.
    const base = buildConnector({ ...(tlsOptions as buildConnector.BuildOptions), allowH2: http2 });
    const connect: buildConnector.connector = (options, callback) => {
      this.#connections += 1;
      base(options, callback);
    };
    const pool = {
      keepAliveTimeout: KEEP_ALIVE_MS,
      keepAliveMaxTimeout: 10 * KEEP_ALIVE_MS,
      // Without a cap undici opens one connection per request in flight (a TLS handshake each, and
      // as many server-side goroutines); beyond the cap requests wait in undici's queue.
      connections: maxConnections ?? null,
      allowH2: http2,
    };
    if (proxyUrl !== undefined) {
      const scheme = new URL(proxyUrl).protocol;
      if (scheme === 'socks5:' || scheme === 'socks5h:') return new Socks5ProxyAgent(proxyUrl, { ...pool, connect });
      if (scheme !== 'http:' && scheme !== 'https:') {
        throw new ConfigError(
          this.#options.origin,
          'cluster.proxy-url',
          `unsupported scheme ${scheme} (http, https or socks5)`,
        );
      }
      return new ProxyAgent({ uri: proxyUrl, ...pool, requestTls: tlsOptions as buildConnector.BuildOptions });
    }
    const httpsProxy = envValue(env, 'HTTPS_PROXY');
    const httpProxy = envValue(env, 'HTTP_PROXY');
    if (httpsProxy !== undefined || httpProxy !== undefined) {
      return new EnvHttpProxyAgent({
        ...pool,
        connect,
        requestTls: tlsOptions as buildConnector.BuildOptions,
        ...(httpsProxy !== undefined ? { httpsProxy } : {}),
        ...(httpProxy !== undefined ? { httpProxy } : {}),
        noProxy: envValue(env, 'NO_PROXY') ?? '',
      });
    }
    return new Agent({ ...pool, connect });
  }
}

function sameCertificate(a: ClientCertificate | undefined, b: ClientCertificate | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.cert.equals(b.cert) && a.key.equals(b.key);
}
