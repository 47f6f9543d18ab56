/**
 * The scenarios of bench:peers that wait until every Event is on the server: burst (5,000 distinct
 * at once, healthy server), throttled (the same against the APF-limited server) and fleet (many
 * recorder processes of one peer at once against the APF-limited server). Each counts, at the
 * proxy, the writes, the ones the server answered 429 and the connections the peers opened.
 */
import { sleep } from '../../src/util/sleep.ts';
import type { FaultProxy } from '../../tools/fault-proxy.ts';
import type { PeerArgs } from './contract.ts';
import { runPeer, type PeerCommand, type RunningPeer } from './run-peer.ts';
import {
  EVENTS_PATH,
  eventCount,
  failureOf,
  freshNamespace,
  seriesTotal,
  SETTLE_MS,
  withProxy,
  type BenchContext,
  type BenchServer,
  type LandingConfig,
  type RunBase,
} from './scenarios.ts';

/** burst or throttled: N distinct publishes, timed until all are on the server. */
export interface LandingRun extends RunBase {
  publishes: number;
  /** From `@started` until all were on the server; undefined if they never all were (lost, or the timeout). */
  timeToAllMs: number | undefined;
  /** Events on the server after the peer ended. */
  onServer: number;
  /** Publishes that never reached the server. */
  lost: number;
  /** Event writes (POST + PATCH) the proxy passed on, incl. the ones answered 429. */
  writes: number;
  /** Of them, answered 429 by the apiserver. */
  throttled: number;
  /** TLS connections the peer opened to the proxy. */
  connections: number;
  errorsSurfaced: number | undefined;
  /** What the peer's library itself reported lost (kube-events only; bench/peers/CONTRACT.md). */
  reportedLost?: number | undefined;
  peakRssBytes: number | undefined;
}

/** fleet: `agents` processes, each a storm plus distinct publishes, one namespace. */
export interface FleetRun extends RunBase {
  agents: number;
  /** The true count: every agent's storm and distinct publishes. */
  expected: number;
  /** Sum of the series counts on the server after every agent ended. */
  finalCount: number;
  lost: number;
  /** From the first agent's `@started` until the server's count reached `expected`. */
  timeToAllMs: number | undefined;
  /** From the first agent's `@started` to the last one's: process start-up on a busy machine is part of `timeToAllMs`. */
  startSpreadMs: number | undefined;
  writes: number;
  throttled: number;
  connections: number;
  /** Agents that crashed or printed no result. */
  agentFailures: number;
  /** Summed over the agents that reported. */
  errorsSurfaced: number;
  /** What the agents' library itself reported lost, summed (kube-events only; bench/peers/CONTRACT.md). */
  reportedLost?: number | undefined;
  /** The largest agent's. */
  peakRssBytes: number | undefined;
}

/**
 * Without a change of the server's count or a write at the proxy for this long, nothing more is on its
 * way (the peer dropped the rest): the wait ends there instead of at the timeout.
 */
export const STALL_MS = 15_000;

function eventWrites(proxy: FaultProxy, status?: number): number {
  const filter = { path: EVENTS_PATH, ...(status === undefined ? {} : { status }) };
  return proxy.count({ ...filter, method: 'POST' }) + proxy.count({ ...filter, method: 'PATCH' });
}

/**
 * Polls `read` until it reaches `expected`, the peer(s) ended, nothing moved for STALL_MS, or the
 * timeout; returns the time from `from` when it was reached.
 */
async function waitUntilLanded(options: {
  from: number;
  expected: number;
  timeoutMs: number;
  read: () => Promise<number>;
  writes: () => number;
  ended: () => boolean;
  /** The first polls are this far apart (the fast peers land in a second or two); later ones 1 s. */
  firstPollMs: number;
}): Promise<number | undefined> {
  let last = { count: -1, writes: -1, at: Date.now() };
  for (let polls = 0; !options.ended() && Date.now() - options.from < options.timeoutMs; polls++) {
    const count = await options.read();
    if (count >= options.expected) return Date.now() - options.from;
    const writes = options.writes();
    if (count !== last.count || writes !== last.writes) last = { count, writes, at: Date.now() };
    else if (Date.now() - last.at >= STALL_MS) return undefined;
    await sleep(polls < 50 ? options.firstPollMs : 1_000);
  }
  return undefined;
}

async function landing(
  ctx: BenchContext,
  server: BenchServer,
  label: 'burst' | 'throttled',
  config: LandingConfig,
  peer: PeerCommand,
  run: number,
): Promise<LandingRun> {
  const { harness, admin } = server;
  const namespace = await freshNamespace(admin, `${label}-${peer.name}-${run}`);
  return withProxy(harness, undefined, async (proxy) => {
    const args: PeerArgs = {
      kubeconfig: proxy.kubeconfig(harness.tokens['events-writer'], namespace),
      scenario: 'distinct',
      namespace,
      name: 'obj',
      publishes: config.publishes,
      durationMs: 60_000,
      shutdown: 'stdin',
      graceMs: ctx.config.distinct.graceMs,
      distinctPublishes: 0,
    };
    const running = runPeer(peer, args, { timeoutMs: config.timeoutMs + args.graceMs + 60_000 });
    let ended = false;
    void running.exited.then(() => {
      ended = true;
    });
    const startedAt = await running.started.catch(() => undefined);
    const timeToAllMs =
      startedAt === undefined
        ? undefined
        : await waitUntilLanded({
            from: startedAt,
            expected: config.publishes,
            timeoutMs: config.timeoutMs,
            read: () => eventCount(admin, namespace),
            writes: () => eventWrites(proxy),
            ended: () => ended,
            firstPollMs: 100,
          });
    running.closeStdin();
    const exit = await running.exited;
    await sleep(SETTLE_MS);
    const onServer = await eventCount(admin, namespace);
    return {
      peer: peer.name,
      run,
      ...failureOf(exit),
      publishes: config.publishes,
      timeToAllMs,
      onServer,
      lost: Math.max(0, config.publishes - onServer),
      writes: eventWrites(proxy),
      throttled: eventWrites(proxy, 429),
      connections: proxy.connections().tls,
      errorsSurfaced: exit.result?.errorsSurfaced,
      reportedLost: exit.result?.reportedLost,
      peakRssBytes: exit.result?.peakRssBytes,
    };
  });
}

/** Burst: N distinct Events at once on the healthy server. */
export function runBurst(ctx: BenchContext, peer: PeerCommand, run: number): Promise<LandingRun> {
  const config = ctx.config.burst;
  if (config === undefined) throw new Error('burst: no configuration');
  return landing(ctx, { harness: ctx.harness, admin: ctx.admin }, 'burst', config, peer, run);
}

/** Throttled: N distinct Events at once on the server that gives the peer's identity one seat. */
export async function runThrottled(ctx: BenchContext, peer: PeerCommand, run: number): Promise<LandingRun> {
  const config = ctx.config.throttled;
  if (config === undefined) throw new Error('throttled: no configuration');
  return landing(ctx, await ctx.throttledServer(), 'throttled', config, peer, run);
}

/** Fleet: `agents` processes of one peer at once against the APF-limited server, all through one proxy. */
export async function runFleet(ctx: BenchContext, peer: PeerCommand, run: number): Promise<FleetRun> {
  const config = ctx.config.fleet;
  if (config === undefined) throw new Error('fleet: no configuration');
  const { harness, admin } = await ctx.throttledServer();
  const namespace = await freshNamespace(admin, `fleet-${peer.name}-${run}`);
  const expected = config.agents * (config.stormPublishes + config.distinctPublishes);
  return withProxy(harness, undefined, async (proxy) => {
    const kubeconfig = proxy.kubeconfig(harness.tokens['events-writer'], namespace);
    const agents: RunningPeer[] = [];
    for (let agent = 0; agent < config.agents; agent++) {
      const args: PeerArgs = {
        kubeconfig,
        scenario: 'storm',
        namespace,
        // Every agent its own storm object (agent-3) and distinct objects (agent-3-0 …).
        name: `agent-${agent}`,
        publishes: config.stormPublishes,
        durationMs: config.stormDurationMs,
        shutdown: 'stdin',
        graceMs: ctx.config.distinct.graceMs,
        distinctPublishes: config.distinctPublishes,
      };
      agents.push(
        runPeer(peer, args, { timeoutMs: config.stormDurationMs + config.timeoutMs + args.graceMs + 60_000 }),
      );
    }
    let ended = 0;
    for (const agent of agents) {
      void agent.exited.then(() => {
        ended += 1;
      });
    }
    const started = await Promise.all(agents.map((agent) => agent.started.catch(() => undefined)));
    const starts = started.filter((at): at is number => at !== undefined);
    const startedAt = Math.min(...starts);
    const timeToAllMs = Number.isFinite(startedAt)
      ? await waitUntilLanded({
          from: startedAt,
          expected,
          timeoutMs: config.stormDurationMs + config.timeoutMs,
          // Listing every Event (20 × 101 here) each time: not more often than every 500 ms.
          read: () => seriesTotal(admin, namespace),
          writes: () => eventWrites(proxy),
          ended: () => ended === agents.length,
          firstPollMs: 500,
        })
      : undefined;
    for (const agent of agents) agent.closeStdin();
    const exits = await Promise.all(agents.map((agent) => agent.exited));
    await sleep(SETTLE_MS);
    const finalCount = await seriesTotal(admin, namespace);
    const results = exits.flatMap((exit) => (exit.result === undefined ? [] : [exit.result]));
    const failed = exits.filter((exit) => exit.result === undefined);
    return {
      peer: peer.name,
      run,
      ...(results[0] === undefined ? {} : { library: results[0].library, version: results[0].version }),
      ...(failed[0] === undefined
        ? {}
        : { failure: `${failed.length} of ${config.agents} agents gave no result: ${failed[0].failure ?? ''}` }),
      agents: config.agents,
      expected,
      finalCount,
      lost: Math.max(0, expected - finalCount),
      timeToAllMs,
      startSpreadMs: starts.length === 0 ? undefined : Math.max(...starts) - startedAt,
      writes: eventWrites(proxy),
      throttled: eventWrites(proxy, 429),
      connections: proxy.connections().tls,
      agentFailures: failed.length,
      errorsSurfaced: results.reduce((sum, result) => sum + result.errorsSurfaced, 0),
      reportedLost: results.some((result) => result.reportedLost !== undefined)
        ? results.reduce((sum, result) => sum + (result.reportedLost ?? 0), 0)
        : undefined,
      peakRssBytes: results.length === 0 ? undefined : Math.max(...results.map((result) => result.peakRssBytes)),
    };
  });
}
