/**
 * The storm, faults, distinct and shutdown scenarios of bench:peers (landing.ts has the others),
 * one run of one peer at a time: a fresh namespace, a fresh counting proxy in front of the
 * apiserver, the peer, and the server read with the admin identity (directly, not through the
 * proxy, so reads are never counted as the peer's requests). Also the helpers both files share.
 */
import { dirname, join } from 'node:path';
import type { Connection } from '../../src/connection/index.ts';
import { sleep } from '../../src/util/sleep.ts';
import type { HarnessInfo } from '../../tools/harness/start.ts';
import { startFaultProxy, type FaultProxy, type FaultRule } from '../../tools/fault-proxy.ts';
import type { PeerArgs, PeerName } from './contract.ts';
import { dueBy, FAULTS_OVERRUN_MS, resetOffsetsMs, staleness, throttledWrite, type CountSample } from './figures.ts';
import { runPeer, type PeerCommand, type PeerExit } from './run-peer.ts';

/** A scenario that waits until every Event is on the server: how many, and how long at most. */
export interface LandingConfig {
  publishes: number;
  timeoutMs: number;
}

export interface FleetConfig {
  /** Recorder processes of one peer at once (a DaemonSet's agents). */
  agents: number;
  /** Each agent's storm. */
  stormPublishes: number;
  stormDurationMs: number;
  /** Each agent's distinct publishes, made before its storm. */
  distinctPublishes: number;
  timeoutMs: number;
}

export interface BenchConfig {
  runs: number;
  storm: { publishes: number; durationMs: number };
  distinct: { publishes: number; graceMs: number; timeoutMs: number };
  /** Optional: results written before these scenarios existed have none. */
  burst?: LandingConfig;
  throttled?: LandingConfig;
  fleet?: FleetConfig;
}

/** An apiserver and its admin connection (straight to it, exempt from any throttling). */
export interface BenchServer {
  harness: HarnessInfo;
  admin: Connection;
}

export interface BenchContext {
  harness: HarnessInfo;
  /** Admin connection straight to the apiserver. */
  admin: Connection;
  /** The APF-limited apiserver of the throttled and fleet scenarios, started on first use. */
  throttledServer: () => Promise<BenchServer>;
  config: BenchConfig;
  log: (line: string) => void;
}

export interface RunBase {
  peer: PeerName;
  run: number;
  /** Why the peer gave no result (crash, bad output), if it did not. */
  failure?: string;
  /** The library and version the peer reported. */
  library?: string;
  version?: string;
}

export interface StormRun extends RunBase {
  posts: number;
  patches: number;
  stalenessMax: number;
  stalenessMean: number;
  samples: number;
  finalCount: number;
  maxLagMs: number;
  errorsSurfaced: number;
  cpuSeconds: number;
  peakRssBytes: number;
  /** The server's count against the true count, each second (absent in results from before it was kept). */
  series?: StormPoint[];
}

/** One sample of a storm: seconds since `@started`, the server's count, the publishes made by then. */
export interface StormPoint {
  t: number;
  count: number;
  due: number;
}

export interface FaultsRun extends RunBase {
  posts: number;
  patches: number;
  throttled: number;
  connectionsReset: number;
  /** On the server after the peer ended, or after it was stopped at the deadline. */
  finalCount: number;
  /** 1 when the peer ended by itself within FAULTS_OVERRUN_MS of the storm's end; 0 when it was stopped. */
  finished: number;
  /** Undefined when the peer was stopped at the deadline (it never reported). */
  errorsSurfaced: number | undefined;
  /** 1 when the peer crashed or ended without its result (not counting a stop at the deadline). */
  unhandled: number;
}

export interface DistinctRun extends RunBase {
  /** From `@started` until every object's Event was on the server; undefined if not within the timeout. */
  timeToAllMs: number | undefined;
  onServer: number;
  posts: number;
}

export interface ShutdownRun extends RunBase {
  onServer: number;
  shutdownMs: number;
  shutdownTimedOut: boolean;
}

export const EVENTS_PATH = /^\/apis\/events\.k8s\.io\/v1\/namespaces\/[^/]+\/events(\/[^/]+)?$/;
/** Writes that land after the peer exited (a request in flight) are in by then. */
export const SETTLE_MS = 1_000;

export function isEventWrite(method: string, path: string): boolean {
  return (method === 'POST' || method === 'PATCH') && EVENTS_PATH.test(path);
}

export async function freshNamespace(admin: Connection, prefix: string): Promise<string> {
  const name = `${prefix}-${Date.now().toString(36)}`.slice(0, 63);
  await admin.ky.post(`${admin.baseUrl}/api/v1/namespaces`, {
    json: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kube-events.dev/bench': 'peers' } } },
  });
  return name;
}

/** The proxy serves the harness's own end-entity certificate (IP SAN 127.0.0.1), signed by the harness CA. */
async function startProxy(harness: HarnessInfo, rule?: FaultRule): Promise<FaultProxy> {
  const pki = dirname(harness.caFile);
  const proxy = await startFaultProxy({
    upstream: harness.server,
    caFile: harness.caFile,
    tls: { certFile: join(pki, 'apiserver.crt'), keyFile: join(pki, 'apiserver.key'), caFile: harness.caFile },
    // The kube-rs peer opens one connection per concurrent publish in the distinct scenario (5,000 in burst).
    maxConnections: 8_192,
    // Every write must be counted: a kube-rs fleet (20 × 1,100 publishes, one PATCH each, plus 429s) passes 50,000.
    maxRecords: 1_000_000,
  });
  proxy.setRule(rule);
  return proxy;
}

/** Sum of the series counts (1 for an Event without a series) in the namespace. */
export async function seriesTotal(admin: Connection, namespace: string): Promise<number> {
  const list = await admin.events.list({ namespace });
  return list.items.reduce((sum, event) => sum + (event.series?.count ?? 1), 0);
}

/** Events in the namespace, counted without transferring them (limit 1 + remainingItemCount). */
export async function eventCount(admin: Connection, namespace: string): Promise<number> {
  const page = await admin.events.list({ namespace, limit: 1 });
  return page.items.length + (page.metadata?.remainingItemCount ?? 0);
}

function writes(proxy: FaultProxy, method: 'POST' | 'PATCH'): number {
  return proxy.count({ method, path: EVENTS_PATH });
}

export async function withProxy<T>(
  harness: HarnessInfo,
  rule: FaultRule | undefined,
  body: (proxy: FaultProxy) => Promise<T>,
): Promise<T> {
  const proxy = await startProxy(harness, rule);
  try {
    return await body(proxy);
  } finally {
    await proxy.close();
  }
}

/** Samples `read` once a second from `from` until `stop` says so. */
async function sampleEverySecond(
  from: number,
  read: () => Promise<number>,
  done: () => boolean,
): Promise<CountSample[]> {
  const samples: CountSample[] = [];
  for (let tick = 1; !done(); tick++) {
    const wait = from + tick * 1_000 - Date.now();
    if (wait > 0) await sleep(wait);
    if (done()) break;
    const count = await read();
    samples.push({ at: Date.now(), count });
  }
  return samples;
}

/** The RunBase fields that come from how the peer ended. */
export function failureOf(exit: PeerExit): Pick<RunBase, 'failure' | 'library' | 'version'> {
  if (exit.result !== undefined) return { library: exit.result.library, version: exit.result.version };
  return { failure: exit.failure ?? 'no result' };
}

/** Storm (and, with `faults`, the faults scenario): 10,000 identical publishes over 60 s. */
async function storm(ctx: BenchContext, peer: PeerCommand, run: number, faults: boolean) {
  const { harness, admin, config } = ctx;
  const namespace = await freshNamespace(admin, `${faults ? 'faults' : 'storm'}-${peer.name}-${run}`);
  let eventWrites = 0;
  let throttled = 0;
  const rule: FaultRule | undefined = faults
    ? (request) => {
        if (!isEventWrite(request.method, request.path)) return undefined;
        eventWrites += 1;
        if (!throttledWrite(eventWrites)) return undefined;
        throttled += 1;
        return { kind: 'status', status: 429, retryAfterSeconds: 1 };
      }
    : undefined;
  return withProxy(harness, rule, async (proxy) => {
    const args: PeerArgs = {
      kubeconfig: proxy.kubeconfig(harness.tokens['events-writer'], namespace),
      scenario: 'storm',
      namespace,
      name: 'storm',
      publishes: config.storm.publishes,
      durationMs: config.storm.durationMs,
      shutdown: 'immediate',
      graceMs: config.distinct.graceMs,
      distinctPublishes: 0,
    };
    const running = runPeer(peer, args, { timeoutMs: config.storm.durationMs + 180_000 });
    let exited = false;
    void running.exited.then(() => {
      exited = true;
    });
    let connectionsReset = 0;
    let stoppedAtDeadline = false;
    const resetTimers: NodeJS.Timeout[] = [];
    const startedAt = await running.started.catch(() => undefined);
    let samples: CountSample[] = [];
    if (startedAt !== undefined) {
      if (faults) {
        resetTimers.push(
          setTimeout(
            () => {
              if (exited) return;
              stoppedAtDeadline = true;
              running.kill();
            },
            startedAt + config.storm.durationMs + FAULTS_OVERRUN_MS - Date.now(),
          ),
        );
        for (const offset of resetOffsetsMs(config.storm.durationMs)) {
          resetTimers.push(
            setTimeout(
              () => {
                connectionsReset += proxy.resetConnections();
              },
              startedAt + offset - Date.now(),
            ),
          );
        }
      }
      samples = await sampleEverySecond(
        startedAt,
        () => seriesTotal(admin, namespace),
        () => exited,
      );
    }
    const exit = await running.exited;
    for (const timer of resetTimers) clearTimeout(timer);
    await sleep(SETTLE_MS);
    const finalCount = await seriesTotal(admin, namespace);
    const result = exit.result;
    const base = {
      peer: peer.name,
      run,
      ...(stoppedAtDeadline ? {} : failureOf(exit)),
      posts: writes(proxy, 'POST'),
      patches: writes(proxy, 'PATCH'),
    };
    if (faults) {
      const faultsRun: FaultsRun = {
        ...base,
        throttled,
        connectionsReset,
        finalCount,
        finished: stoppedAtDeadline ? 0 : 1,
        errorsSurfaced: result?.errorsSurfaced,
        unhandled: result === undefined && !stoppedAtDeadline ? 1 : 0,
      };
      return faultsRun;
    }
    const stale =
      startedAt === undefined
        ? { max: Number.NaN, mean: Number.NaN }
        : staleness(samples, { startedAt, publishes: config.storm.publishes, durationMs: config.storm.durationMs });
    const stormRun: StormRun = {
      ...base,
      stalenessMax: stale.max,
      stalenessMean: stale.mean,
      samples: samples.length,
      finalCount,
      maxLagMs: result?.maxLagMs ?? Number.NaN,
      errorsSurfaced: result?.errorsSurfaced ?? Number.NaN,
      cpuSeconds: result?.cpuSeconds ?? Number.NaN,
      peakRssBytes: result?.peakRssBytes ?? Number.NaN,
      ...(startedAt === undefined
        ? {}
        : {
            series: samples.map((sample) => ({
              // Tenths of a second: enough for a chart, and the JSON stays short.
              t: Math.round((sample.at - startedAt) / 100) / 10,
              count: sample.count,
              due: dueBy(sample.at, startedAt, config.storm.publishes, config.storm.durationMs),
            })),
          }),
    };
    return stormRun;
  });
}

export function runStorm(ctx: BenchContext, peer: PeerCommand, run: number): Promise<StormRun> {
  return storm(ctx, peer, run, false) as Promise<StormRun>;
}

export function runFaults(ctx: BenchContext, peer: PeerCommand, run: number): Promise<FaultsRun> {
  return storm(ctx, peer, run, true) as Promise<FaultsRun>;
}

/** The peer's flags for the distinct publishes (objects `obj-0` …) through this run's proxy. */
function distinctArgs(
  { harness, config }: BenchContext,
  proxy: FaultProxy,
  namespace: string,
  shutdown: PeerArgs['shutdown'],
): PeerArgs {
  return {
    kubeconfig: proxy.kubeconfig(harness.tokens['events-writer'], namespace),
    scenario: 'distinct',
    namespace,
    name: 'obj',
    publishes: config.distinct.publishes,
    durationMs: 60_000,
    shutdown,
    graceMs: config.distinct.graceMs,
    distinctPublishes: 0,
  };
}

/** Distinct: 1,000 publishes for 1,000 objects; the peer runs until all are on the server (or the timeout). */
export async function runDistinct(ctx: BenchContext, peer: PeerCommand, run: number): Promise<DistinctRun> {
  const { harness, admin, config } = ctx;
  const namespace = await freshNamespace(admin, `distinct-${peer.name}-${run}`);
  return withProxy(harness, undefined, async (proxy) => {
    const running = runPeer(peer, distinctArgs(ctx, proxy, namespace, 'stdin'), {
      timeoutMs: config.distinct.timeoutMs + config.distinct.graceMs + 60_000,
    });
    let timeToAllMs: number | undefined;
    const startedAt = await running.started.catch(() => undefined);
    let ended = false;
    void running.exited.then(() => {
      ended = true;
    });
    if (startedAt !== undefined) {
      // Fine-grained at first (the fast peers finish in seconds), then once a second.
      for (let polls = 0; !ended && Date.now() - startedAt < config.distinct.timeoutMs; polls++) {
        const count = await eventCount(admin, namespace);
        if (count >= config.distinct.publishes) {
          timeToAllMs = Date.now() - startedAt;
          break;
        }
        await sleep(polls < 100 ? 100 : 1_000);
      }
    }
    running.closeStdin();
    const exit = await running.exited;
    await sleep(SETTLE_MS);
    return {
      peer: peer.name,
      run,
      ...failureOf(exit),
      timeToAllMs,
      onServer: (await admin.events.list({ namespace })).items.length,
      posts: writes(proxy, 'POST'),
    };
  });
}

/** Shutdown: the distinct publishes, then at once a graceful shutdown with a deadline (10 s). */
export async function runShutdown(ctx: BenchContext, peer: PeerCommand, run: number): Promise<ShutdownRun> {
  const { harness, admin, config } = ctx;
  const namespace = await freshNamespace(admin, `shutdown-${peer.name}-${run}`);
  return withProxy(harness, undefined, async (proxy) => {
    const running = runPeer(peer, distinctArgs(ctx, proxy, namespace, 'immediate'), {
      timeoutMs: config.distinct.graceMs + 120_000,
    });
    const exit = await running.exited;
    await sleep(SETTLE_MS);
    return {
      peer: peer.name,
      run,
      ...failureOf(exit),
      onServer: (await admin.events.list({ namespace })).items.length,
      shutdownMs: exit.result?.shutdownMs ?? Number.NaN,
      shutdownTimedOut: exit.result?.shutdownTimedOut ?? false,
    };
  });
}
