/**
 * Cost of the connection layer (connect(): ky, credentials, User-Agent, retry and rate-limit
 * checks, undici with its own dispatcher).
 * (a) Per-request overhead against a local plain-HTTP server (node:http on 127.0.0.1, a small
 *     JSON answer): N sequential GETs through `conn.ky.get(url)` beside Node's bare `fetch(url)`
 *     and undici's `fetch` with a keep-alive Agent, interleaved in rounds. Two more rows split the
 *     difference: the connection's fetch alone (credentials, headers, retry checks over undici,
 *     no ky) and ky alone over Node's fetch.
 * (b) Against the real kube-apiserver (started here by the test harness), as admin, rate limit
 *     off: `conn.events.list({ namespace: 'default', limit: 1 })` sequentially and 32 at a time,
 *     beside the same GET sent by undici's `fetch` with the harness's CA and bearer token.
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import ky from 'ky';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';
import { createKubeFetch } from '../src/connection/http.ts';
import { connect, DEFAULT_USER_AGENT } from '../src/connection/index.ts';
import { retryPolicy } from '../src/connection/retry.ts';
import { Transport } from '../src/connection/transport.ts';
import { ensureHarness } from '../tools/harness/build.ts';
import { startHarness } from '../tools/harness/start.ts';
import { machine, printTable } from './_measure.ts';

const LOCAL_N = 5000;
const LOCAL_ROUNDS = 10;
const REAL_RUNS = 3;
const SEQUENTIAL_N = 500;
const CONCURRENT_N = 2000;
const CONCURRENCY = 32;

/** Runs `count` calls of `task`, at most `limit` at a time; returns the wall time in ms. */
async function timed(count: number, limit: number, task: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await task(next++);
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return performance.now() - started;
}

/** The local server runs in a child process (this script with `--serve`): its work is not on the clients' event loop. */
function serve(): void {
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 });
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    response.end(body);
  });
  server.listen(0, '127.0.0.1', () => process.send?.((server.address() as AddressInfo).port));
  process.once('disconnect', () => server.close(() => process.exit(0)));
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function local(): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve(Number(message)));
    child.once('error', reject);
  });
  const url = `http://127.0.0.1:${port}/apis/events.k8s.io/v1/namespaces/default/events`;
  const warnings: string[] = [];
  const conn = await connect({
    kubeconfig: {
      clusters: [{ name: 'local', cluster: { server: `http://127.0.0.1:${port}` } }],
      users: [{ name: 'bench', user: { token: 'bench-token' } }],
      contexts: [{ name: 'bench', context: { cluster: 'local', user: 'bench' } }],
      'current-context': 'bench',
    },
    rateLimit: false,
    warn: (message) => warnings.push(message),
  });
  const agent = new Agent({ keepAliveTimeout: 60_000 });
  // The layer under ky, built as connect() builds it, with a fixed token.
  const transport = new Transport({ tls: { insecureSkipTlsVerify: false }, env: {}, origin: 'bench' });
  const { fetch: kubeFetch } = createKubeFetch({
    transport,
    auth: {
      method: 'token',
      credentials: () => Promise.resolve({ authorization: 'Bearer bench-token' }),
      refreshAfterUnauthorized: () => Promise.resolve(false),
      close: () => undefined,
    },
    userAgent: DEFAULT_USER_AGENT,
    retry: retryPolicy(undefined),
    rateLimiter: undefined,
    origin: 'bench',
  });
  const bareKy = ky.create({ retry: 0, throwHttpErrors: false });
  const clients: { label: string; get: () => Promise<string> }[] = [
    { label: 'fetch(url) — Node global fetch (baseline)', get: async () => (await fetch(url)).text() },
    {
      label: 'undici fetch(url, { dispatcher })',
      get: async () => (await undiciFetch(url, { dispatcher: agent })).text(),
    },
    { label: 'connection fetch alone (no ky)', get: async () => (await kubeFetch(url)).text() },
    { label: 'ky alone over Node fetch', get: () => bareKy.get(url).text() },
    { label: 'conn.ky.get(url) — connect()', get: () => conn.ky.get(url).text() },
  ];
  try {
    for (const client of clients) await timed(500, 1, () => client.get());
    const rounds: number[][] = clients.map(() => []);
    const perRound = LOCAL_N / LOCAL_ROUNDS;
    for (let round = 0; round < LOCAL_ROUNDS; round++) {
      for (const [index, client] of clients.entries()) {
        const ms = await timed(perRound, 1, () => client.get());
        rounds[index]?.push((ms * 1000) / perRound);
      }
    }
    const usPerRequest = rounds.map((values) => median(values));
    const baseline = usPerRequest[0] ?? 1;
    printTable(
      `(a) ${LOCAL_N.toLocaleString('en')} sequential GETs to node:http on 127.0.0.1 (plain HTTP, server in a child process; median of ${LOCAL_ROUNDS} interleaved rounds) — ${machine()}`,
      clients.map((client, index) => {
        const us = usPerRequest[index] ?? 0;
        return [client.label, us.toFixed(1), (us - baseline).toFixed(1), (us / baseline).toFixed(2)];
      }),
      ['client', 'µs / request', 'µs over fetch', '× fetch'],
    );
    if (warnings.length > 0) console.log(`connect() warnings: ${warnings.join('; ')}`);
  } finally {
    await conn.close();
    await agent.close();
    await transport.close();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.disconnect();
    await exited;
  }
}

async function real(): Promise<void> {
  const binaries = await ensureHarness();
  const harness = await startHarness(binaries.apiserver);
  const { info } = harness;
  const conn = await connect({ kubeconfig: info.kubeconfigs.admin, rateLimit: false });
  const connector = buildConnector({ ca: readFileSync(info.caFile) });
  let baselineConnections = 0;
  const agent = new Agent({
    keepAliveTimeout: 60_000,
    connect: (options, callback) => {
      baselineConnections += 1;
      connector(options, callback);
    },
  });
  try {
    const url = `${conn.baseUrl}/apis/events.k8s.io/v1/namespaces/default/events?limit=1`;
    const headers = { Authorization: `Bearer ${info.tokens.admin}`, Accept: 'application/json' };
    const bare = async (): Promise<void> => {
      const response = await undiciFetch(url, { headers, dispatcher: agent });
      if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
      await response.json();
    };
    const viaConnection = async (): Promise<void> => {
      await conn.events.list({ namespace: 'default', limit: 1 });
    };
    // Warm-up: connections, the server's caches, the JIT.
    await timed(200, CONCURRENCY, bare);
    await timed(200, CONCURRENCY, viaConnection);
    const rows: (string | number)[][] = [];
    const row = (label: string, n: number, limit: number, ms: number, baselineMs: number) => [
      label,
      n,
      limit,
      ((n * 1000) / ms).toFixed(0),
      ((ms * 1000) / n).toFixed(0),
      (baselineMs / ms).toFixed(2),
    ];
    for (const [n, limit] of [
      [SEQUENTIAL_N, 1],
      [CONCURRENT_N, CONCURRENCY],
    ] as const) {
      // Baseline and ours alternate; the median run of each.
      const bareMs: number[] = [];
      const oursMs: number[] = [];
      for (let run = 0; run < REAL_RUNS; run++) {
        bareMs.push(await timed(n, limit, bare));
        oursMs.push(await timed(n, limit, viaConnection));
      }
      rows.push(row('undici fetch + CA + token (baseline)', n, limit, median(bareMs), median(bareMs)));
      rows.push(row('conn.events.list({ limit: 1 })', n, limit, median(oursMs), median(bareMs)));
    }
    printTable(
      `(b) GET events?limit=1 as admin against kube-apiserver ${info.version}, rate limit off (median of ${REAL_RUNS} alternating runs) — ${machine()}`,
      rows,
      ['client', 'requests', 'in flight', 'requests/s', 'µs / request (wall)', '× baseline rate'],
    );
    const stats = conn.stats();
    console.log(
      `connections opened: connect() ${stats.connectionsOpened} for ${stats.requests} requests (${stats.retries} retries), baseline ${baselineConnections}`,
    );
  } finally {
    await conn.close();
    await agent.close();
    await harness.stop();
  }
}

if (process.argv.includes('--serve')) {
  serve();
} else {
  await local();
  await real();
}
