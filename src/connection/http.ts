/**
 * The ky instance of a connection. Its `fetch` turns ky's Request into one undici request with the
 * connection's dispatcher, and adds what every Kubernetes request needs: credentials,
 * impersonation, User-Agent, the client-side rate limit, a fresh credential after a 401, and
 * retries (retry.ts). ky's own retry stays off so that these rules apply to every verb alike.
 *
 * Why undici's `request()` and not its `fetch()`: fetch runs the whole WHATWG fetch algorithm
 * (another Request, header guards, body streams) on top of the same dispatcher; `request()` costs
 * less than half its CPU per write (2 × 1,500 creates against the lab apiserver, 16 in flight:
 * 384–515 µs with fetch, 177–200 µs with request), and a Recorder's startup burst is CPU-bound on
 * the client. The answer is handed to ky as a standard Response.
 */
import { Readable } from 'node:stream';
import ky, { type KyInstance } from 'ky';
import { request as undiciRequest, type Dispatcher } from 'undici';
import { AbortedError, ConnectionClosedError, NetworkError, TlsError } from '../errors.ts';
import { sleep } from '../util/sleep.ts';
import { classifyNetworkError } from './network-errors.ts';
import type { TokenBucket } from '../util/token-bucket.ts';
import { decideRetry, type RetryOptions } from './retry.ts';
import type { Transport } from './transport.ts';
import type { AuthProvider, Credentials, Impersonation } from './types.ts';

export interface HttpOptions {
  transport: Transport;
  auth: AuthProvider;
  impersonate?: Impersonation | undefined;
  userAgent: string;
  retry: Required<RetryOptions>;
  rateLimiter: TokenBucket | undefined;
  /** Where the settings came from, for TLS error messages. */
  origin: string;
  random?: () => number;
}

/** Counters of one connection, for tests and benchmarks. */
export interface HttpStats {
  requests: number;
  attempts: number;
  retries: number;
  unauthorizedRefreshes: number;
}

/** Impersonation headers as name, value pairs: one line per group or extra value, as the apiserver reads them. */
function impersonationHeaders(impersonate: Impersonation | undefined): [string, string][] {
  if (impersonate === undefined) return [];
  const headers: [string, string][] = [];
  if (impersonate.user !== undefined) headers.push(['Impersonate-User', impersonate.user]);
  if (impersonate.uid !== undefined) headers.push(['Impersonate-Uid', impersonate.uid]);
  for (const group of impersonate.groups ?? []) headers.push(['Impersonate-Group', group]);
  for (const [key, values] of Object.entries(impersonate.extra ?? {})) {
    for (const value of values) headers.push([`Impersonate-Extra-${encodeURIComponent(key)}`, value]);
  }
  return headers;
}

function retryAfterSeconds(header: string | string[] | undefined): number | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/**
 * The request's headers, then ours, as undici's flat `[name, value, …]` list. A list, not a
 * Headers object: Headers joins repeated names into one line, and the apiserver would read
 * `Impersonate-Group: dev, ops` as one group named "dev, ops".
 */
function requestHeaders(
  request: Request,
  credentials: Credentials,
  fixed: readonly [string, string][],
  userAgent: string,
): string[] {
  const headers: string[] = [];
  let authorization = false;
  request.headers.forEach((value, name) => {
    if (name === 'user-agent') return;
    if (name === 'authorization') authorization = true;
    headers.push(name, value);
  });
  if (!authorization && credentials.authorization !== undefined)
    headers.push('authorization', credentials.authorization);
  for (const [name, value] of fixed) headers.push(name, value);
  headers.push('user-agent', userAgent);
  return headers;
}

/** Statuses whose response has no body (fetch spec "null body status"). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);
/** Answers up to this size with a Content-Length are read whole here; longer ones and streams (watch) stream. */
const BUFFERED_MAX_BYTES = 1024 * 1024;

/** undici's answer as the standard Response ky and the generated client read. */
async function toResponse(method: string, answer: Dispatcher.ResponseData): Promise<Response> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.append(name, value);
  }
  const init = { status: answer.statusCode, headers };
  if (NULL_BODY.has(answer.statusCode) || method === 'HEAD') {
    await answer.body.dump();
    return new Response(null, init);
  }
  const length = Number(headers.get('content-length') ?? Number.NaN);
  if (length <= BUFFERED_MAX_BYTES) return new Response(await answer.body.arrayBuffer(), init);
  return new Response(Readable.toWeb(answer.body) as ReadableStream<Uint8Array>, init);
}

/**
 * The answer as a Response; a connection that fails while a small body is read is a NetworkError
 * (not retried: the request has been applied, or may have been).
 */
async function handOn(
  method: string,
  url: string,
  signal: AbortSignal,
  answer: Dispatcher.ResponseData,
): Promise<Response> {
  try {
    return await toResponse(method, answer);
  } catch (error) {
    if (signal.aborted) throw new AbortedError(method, url, 'aborted', { cause: error });
    const { detail } = classifyNetworkError(error);
    throw new NetworkError(method, url, `the connection failed while the answer was read (${detail})`, {
      cause: error,
    });
  }
}

/**
 * Reads to its end an answer that a retry replaces. Destroying its body instead makes undici drop
 * the connection when the body has not fully arrived yet: through bench:peers' proxy, every 429
 * cost a new TLS connection (220 connections for 204 429s), on a server that is already
 * overloaded. Error bodies are small Status objects.
 */
async function discard(answer: Dispatcher.ResponseData): Promise<void> {
  await answer.body.arrayBuffer().catch(() => undefined);
}

/** A watch (`?watch=true`): its answer streams until the server or the client ends it. */
function isWatch(url: string): boolean {
  const watch = new URL(url).searchParams.get('watch');
  return watch === 'true' || watch === '1';
}

/**
 * A watch never finishes by itself, so close() (which lets requests in flight finish) would wait
 * for it forever: close() ends its stream instead, and the watch's reader gets `closedError()`.
 */
function endOnClose(answer: Dispatcher.ResponseData, closedError: () => Error, closedSignal: AbortSignal): void {
  const end = (): void => {
    answer.body.destroy(closedError());
  };
  if (closedSignal.aborted) return end();
  closedSignal.addEventListener('abort', end, { once: true });
  answer.body.once('close', () => closedSignal.removeEventListener('abort', end));
}

/**
 * Builds the `fetch` that ky calls, and its counters. Once `options.transport` is closed, every
 * request (and every one waiting for a retry or the rate limit) fails with ConnectionClosedError.
 * @example
 * ```ts
 * const { fetch, stats } = createKubeFetch({ transport, auth, userAgent, retry: retryPolicy(undefined), rateLimiter: undefined, origin });
 * const api = new EventsApi({ baseUrl, ky: createKy(fetch) });
 * ```
 */
export function createKubeFetch(options: HttpOptions): { fetch: typeof globalThis.fetch; stats: HttpStats } {
  const stats: HttpStats = { requests: 0, attempts: 0, retries: 0, unauthorizedRefreshes: 0 };
  const random = options.random ?? Math.random;
  const fixedHeaders = impersonationHeaders(options.impersonate);

  const { transport } = options;

  const kubeFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init);
    const method = request.method;
    const url = request.url;
    const signal = request.signal;
    // After conn.close() nothing may reach undici's closed pool (a NetworkError the Recorder would retry).
    const closed = (): ConnectionClosedError => new ConnectionClosedError(method, url);
    if (transport.closed) throw closed();
    /** A wait that the caller's signal or close() ends; close() makes it a ConnectionClosedError. */
    const wait = async (run: (until: AbortSignal) => Promise<void>): Promise<void> => {
      try {
        await run(AbortSignal.any([signal, transport.closedSignal]));
      } catch (error) {
        if (transport.closed && !signal.aborted) throw closed();
        throw error;
      }
      if (transport.closed) throw closed();
    };
    /** Credentials (or a refresh after a 401); a plugin stopped by close() is a ConnectionClosedError. */
    const credentialsFrom = async <T>(run: () => Promise<T>): Promise<T> => {
      try {
        return await run();
      } catch (error) {
        if (transport.closed || error instanceof ConnectionClosedError) throw closed();
        throw error;
      }
    };
    // Event bodies are small: buffering lets every retry send the same bytes.
    const body =
      method === 'GET' || method === 'HEAD' || request.body === null
        ? undefined
        : Buffer.from(await request.arrayBuffer());
    stats.requests += 1;
    let refreshed = false;
    for (let attempt = 0; ;) {
      const limiter = options.rateLimiter;
      if (limiter !== undefined) await wait((until) => limiter.take(until));
      const credentials: Credentials = await credentialsFrom(() => options.auth.credentials());
      if (transport.closed) throw closed();
      const dispatcher = transport.dispatcherFor(credentials.clientCertificate);
      stats.attempts += 1;
      let answer: Dispatcher.ResponseData;
      try {
        answer = await undiciRequest(url, {
          method,
          headers: requestHeaders(request, credentials, fixedHeaders, options.userAgent),
          signal,
          dispatcher,
          ...(body !== undefined ? { body } : {}),
        });
      } catch (error) {
        if (signal.aborted) throw new AbortedError(method, url, 'aborted', { cause: error });
        const failure = classifyNetworkError(error);
        if (failure.tls) {
          throw new TlsError(
            method,
            url,
            `TLS handshake failed (${failure.detail}): check certificate-authority, tls-server-name and the client certificate of ${options.origin}`,
            { cause: error },
          );
        }
        const decision = decideRetry(
          { kind: 'network', sent: failure.sent },
          { method, attempt, policy: options.retry, random: random() },
        );
        if (!decision.retry) {
          throw new NetworkError(method, url, `cannot reach the apiserver (${failure.detail})`, { cause: error });
        }
        attempt += 1;
        stats.retries += 1;
        await wait((until) => sleep(decision.delayMs, until));
        continue;
      }
      if (answer.statusCode === 401 && !refreshed) {
        refreshed = true;
        let fresh: boolean;
        try {
          fresh = await credentialsFrom(() => options.auth.refreshAfterUnauthorized(credentials));
        } catch (error) {
          // The plugin failed to run again (a CredentialError): the 401's body is not needed.
          await discard(answer);
          throw error;
        }
        if (fresh) {
          stats.unauthorizedRefreshes += 1;
          await discard(answer);
          continue;
        }
      }
      const decision = decideRetry(
        {
          kind: 'status',
          status: answer.statusCode,
          retryAfterSeconds: retryAfterSeconds(answer.headers['retry-after']),
        },
        { method, attempt, policy: options.retry, random: random() },
      );
      if (!decision.retry) {
        if (isWatch(url)) endOnClose(answer, closed, transport.closedSignal);
        return handOn(method, url, signal, answer);
      }
      await discard(answer);
      attempt += 1;
      stats.retries += 1;
      await wait((until) => sleep(decision.delayMs, until));
    }
  };
  return { fetch: kubeFetch, stats };
}

/** A ky instance over `fetch` with ky's own retries and HTTP errors off (the generated client reads statuses). */
export function createKy(fetch: typeof globalThis.fetch): KyInstance {
  return ky.create({ fetch, retry: 0, throwHttpErrors: false });
}
