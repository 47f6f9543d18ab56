/**
 * The ky instance of a connection. Its `fetch` turns ky's Request into a call to undici's fetch
 * with the connection's dispatcher, and adds what every Kubernetes request needs: credentials,
 * impersonation, User-Agent, the client-side rate limit, a fresh credential after a 401, and
 * retries (retry.ts). ky's own retry stays off so that these rules apply to every verb alike.
 */
import ky, { type KyInstance } from 'ky';
import { fetch as undiciFetch, type RequestInit as UndiciRequestInit } from 'undici';
import { AbortedError, NetworkError, TlsError } from '../errors.ts';
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

function retryAfterSeconds(response: { headers: { get(name: string): string | null } }): number | undefined {
  const value = response.headers.get('Retry-After')?.trim();
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** Builds the `fetch` that ky calls, and its counters. */
export function createKubeFetch(options: HttpOptions): { fetch: typeof globalThis.fetch; stats: HttpStats } {
  const stats: HttpStats = { requests: 0, attempts: 0, retries: 0, unauthorizedRefreshes: 0 };
  const random = options.random ?? Math.random;
  const fixedHeaders = impersonationHeaders(options.impersonate);

  const kubeFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init);
    const method = request.method;
    const url = request.url;
    const signal = request.signal;
    // Event bodies are small: buffering lets every retry send the same bytes.
    const body =
      method === 'GET' || method === 'HEAD' || request.body === null
        ? undefined
        : Buffer.from(await request.arrayBuffer());
    stats.requests += 1;
    let refreshed = false;
    for (let attempt = 0; ;) {
      await options.rateLimiter?.take(signal);
      const credentials: Credentials = await options.auth.credentials();
      const headers = new Headers(request.headers);
      if (credentials.authorization !== undefined && !headers.has('Authorization')) {
        headers.set('Authorization', credentials.authorization);
      }
      for (const [name, value] of fixedHeaders) headers.append(name, value);
      headers.set('User-Agent', options.userAgent);
      stats.attempts += 1;
      let response: Awaited<ReturnType<typeof undiciFetch>>;
      try {
        const requestInit: UndiciRequestInit = {
          method,
          headers: [...headers],
          signal,
          redirect: 'manual',
          dispatcher: options.transport.dispatcherFor(credentials.clientCertificate),
          ...(body !== undefined ? { body } : {}),
        };
        response = await undiciFetch(url, requestInit);
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
        await sleep(decision.delayMs, signal);
        continue;
      }
      if (response.status === 401 && !refreshed) {
        refreshed = true;
        if (await options.auth.refreshAfterUnauthorized(credentials)) {
          stats.unauthorizedRefreshes += 1;
          await discard(response);
          continue;
        }
      }
      const decision = decideRetry(
        { kind: 'status', status: response.status, retryAfterSeconds: retryAfterSeconds(response) },
        { method, attempt, policy: options.retry, random: random() },
      );
      if (!decision.retry) return response as unknown as Response;
      await discard(response);
      attempt += 1;
      stats.retries += 1;
      await sleep(decision.delayMs, signal);
    }
  };
  return { fetch: kubeFetch, stats };
}

/**
 * Reads to its end a response that a retry answers. Cancelling its body instead makes undici drop
 * the connection when the body has not fully arrived yet: through bench:peers' proxy, every 429
 * cost a new TLS connection (220 connections for 204 429s), on a server that is already
 * overloaded. Error bodies are small Status objects.
 */
async function discard(response: { arrayBuffer(): Promise<ArrayBuffer> }): Promise<void> {
  await response.arrayBuffer().catch(() => undefined);
}

/** A ky instance over `fetch` with ky's own retries and HTTP errors off (the generated client reads statuses). */
export function createKy(fetch: typeof globalThis.fetch): KyInstance {
  return ky.create({ fetch, retry: 0, throwHttpErrors: false });
}
