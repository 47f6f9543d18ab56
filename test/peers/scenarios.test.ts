/**
 * bench:peers end to end at a small size: the peers built and run through the project's HTTPS
 * counting proxy against a harness of its own (as `npm run bench:peers` does), and the figures
 * each scenario reads back from the server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../../src/connection/index.ts';
import { ensurePeers } from '../../bench/peers/build.ts';
import { runPeer, type PeerCommand } from '../../bench/peers/run-peer.ts';
import { runBurst, runFleet, runThrottled } from '../../bench/peers/landing.ts';
import { runDistinct, runFaults, runShutdown, runStorm, type BenchContext } from '../../bench/peers/scenarios.ts';
import { ensureHarness } from '../../tools/harness/build.ts';
import { startHarness, type RunningHarness } from '../../tools/harness/start.ts';
import { startThrottledApiserver, type ThrottledApiserver } from '../../tools/throttled-apiserver.ts';

let harness: RunningHarness;
/** Started by the first test that needs it (throttled, fleet). */
let throttled: Promise<ThrottledApiserver> | undefined;
let admin: Connection;
let ctx: BenchContext;
const peers = new Map<string, PeerCommand>();

function peer(name: 'kube-events' | 'client-go'): PeerCommand {
  const command = peers.get(name);
  if (command === undefined) throw new Error(`peer ${name} was not built`);
  return command;
}

beforeAll(async () => {
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  for (const command of await ensurePeers(['kube-events', 'client-go'], log)) peers.set(command.name, command);
  const binary = (await ensureHarness({ log })).apiserver;
  harness = await startHarness(binary);
  admin = await connect({ kubeconfig: harness.info.kubeconfigs.admin, rateLimit: false });
  ctx = {
    harness: harness.info,
    admin,
    throttledServer: async () => {
      throttled ??= startThrottledApiserver(binary, {
        apf: { identities: ['events-writer'], limitResponse: 'reject' },
      });
      const server = await throttled;
      return { harness: server.harness.info, admin: server.admin };
    },
    config: {
      runs: 1,
      storm: { publishes: 300, durationMs: 3_000 },
      distinct: { publishes: 50, graceMs: 10_000, timeoutMs: 60_000 },
      burst: { publishes: 200, timeoutMs: 60_000 },
      throttled: { publishes: 150, timeoutMs: 60_000 },
      fleet: { agents: 3, stormPublishes: 60, stormDurationMs: 2_000, distinctPublishes: 10, timeoutMs: 60_000 },
    },
    log: () => undefined,
  };
});

afterAll(async () => {
  await admin?.close();
  await harness?.stop();
  await (await throttled)?.stop();
});

describe('bench:peers scenarios', () => {
  it('storm: kube-events coalesces the publishes and leaves the exact count after shutdown', async () => {
    const run = await runStorm(ctx, peer('kube-events'), 1);
    expect(run.failure).toBeUndefined();
    expect(run).toMatchObject({ peer: 'kube-events', library: 'kube-events', posts: 1, finalCount: 300 });
    expect(run.patches).toBeGreaterThanOrEqual(1);
    // The second occurrence, about one write a second while the series is young, and close(): a handful.
    expect(run.patches).toBeLessThanOrEqual(8);
    expect(run.samples).toBeGreaterThanOrEqual(2);
    expect(run.stalenessMax).toBeGreaterThanOrEqual(run.stalenessMean);
    expect(run.cpuSeconds).toBeGreaterThan(0);
    expect(run.peakRssBytes).toBeGreaterThan(10 * 1024 * 1024);
    // The series behind the storm chart: one point per sample, the true count rising to all 300.
    expect(run.series).toHaveLength(run.samples);
    const series = run.series ?? [];
    expect(series.every((point, i) => i === 0 || point.t > (series[i - 1]?.t ?? 0))).toBe(true);
    expect(series.at(-1)?.due).toBe(300);
  });

  it('storm: client-go writes twice and its count stays behind after shutdown', async () => {
    const run = await runStorm(ctx, peer('client-go'), 1);
    expect(run.failure).toBeUndefined();
    expect(run).toMatchObject({ peer: 'client-go', library: 'k8s.io/client-go', version: 'v0.37.2' });
    expect(run.posts).toBeGreaterThanOrEqual(1);
    expect(run.posts + run.patches).toBeLessThanOrEqual(3);
    expect(run.finalCount).toBeLessThan(300);
  });

  it('faults: the proxy throttles and resets, and kube-events still ends with the exact count', async () => {
    const run = await runFaults(ctx, peer('kube-events'), 1);
    expect(run.failure).toBeUndefined();
    expect(run.throttled).toBeGreaterThanOrEqual(1);
    expect(run.connectionsReset).toBeGreaterThanOrEqual(1);
    expect(run).toMatchObject({ finalCount: 300, unhandled: 0 });
  });

  it('distinct and shutdown: every kube-events Event reaches the server, also when stopping at once', async () => {
    const distinct = await runDistinct(ctx, peer('kube-events'), 1);
    expect(distinct.failure).toBeUndefined();
    expect(distinct.timeToAllMs).toBeGreaterThan(0);
    expect(distinct).toMatchObject({ onServer: 50, posts: 50 });
    const shutdown = await runShutdown(ctx, peer('kube-events'), 1);
    expect(shutdown).toMatchObject({ onServer: 50, shutdownTimedOut: false });
  });

  it('shutdown: client-go abandons what its rate limiter still holds', async () => {
    const shutdown = await runShutdown(ctx, peer('client-go'), 1);
    expect(shutdown.failure).toBeUndefined();
    // Shutdown() does not wait for queued sends: fewer than the 50 reach the server.
    expect(shutdown.onServer).toBeLessThan(50);
  });

  it('burst: every kube-events Event lands over a few connections, none answered 429', async () => {
    const run = await runBurst(ctx, peer('kube-events'), 1);
    expect(run.failure).toBeUndefined();
    expect(run).toMatchObject({ publishes: 200, onServer: 200, lost: 0, throttled: 0 });
    expect(run.timeToAllMs).toBeGreaterThan(0);
    expect(run.writes).toBeGreaterThanOrEqual(200);
    // connect() caps kube-events at 16 connections.
    expect(run.connections).toBeGreaterThanOrEqual(1);
    expect(run.connections).toBeLessThanOrEqual(16);
  });

  it('throttled: on one APF seat the server answers 429, and kube-events still lands every Event', async () => {
    const run = await runThrottled(ctx, peer('kube-events'), 1);
    expect(run.failure).toBeUndefined();
    // The bench's count and the Recorder's own agree: nothing lost.
    expect(run).toMatchObject({ onServer: 150, lost: 0, reportedLost: 0 });
    expect(run.throttled).toBeGreaterThan(0);
    // Every Event written once, plus the writes that were refused.
    expect(run.writes).toBeGreaterThanOrEqual(150 + run.throttled);
  });

  it('fleet: three kube-events agents at once leave the whole count on the throttled server', async () => {
    const run = await runFleet(ctx, peer('kube-events'), 1);
    expect(run.failure).toBeUndefined();
    expect(run).toMatchObject({
      agents: 3,
      expected: 3 * 70,
      finalCount: 210,
      lost: 0,
      reportedLost: 0,
      agentFailures: 0,
    });
    expect(run.timeToAllMs).toBeGreaterThan(0);
    expect(run.startSpreadMs).toBeGreaterThanOrEqual(0);
    expect(run.writes).toBeGreaterThan(0);
    expect(run.peakRssBytes).toBeGreaterThan(10 * 1024 * 1024);
  });

  it('--distinct-publishes: the peers take it for a storm only (exit 2 otherwise)', async () => {
    for (const name of ['kube-events', 'client-go'] as const) {
      const running = runPeer(
        peer(name),
        {
          kubeconfig: harness.info.kubeconfigs['events-writer'],
          scenario: 'distinct',
          namespace: 'default',
          name: 'obj',
          publishes: 1,
          durationMs: 1_000,
          shutdown: 'immediate',
          graceMs: 1_000,
          distinctPublishes: 5,
        },
        { timeoutMs: 30_000 },
      );
      const exit = await running.exited;
      expect(exit.code, name).toBe(2);
      expect(exit.result, name).toBeUndefined();
    }
  });

  it('fleet: client-go agents publish their distinct Events before the storm', async () => {
    const run = await runFleet(
      {
        ...ctx,
        config: {
          ...ctx.config,
          fleet: { agents: 2, stormPublishes: 20, stormDurationMs: 1_000, distinctPublishes: 5, timeoutMs: 30_000 },
        },
      },
      peer('client-go'),
      1,
    );
    expect(run.failure).toBeUndefined();
    expect(run).toMatchObject({ agents: 2, expected: 50, agentFailures: 0 });
    // client-go keeps no count of what it dropped.
    expect(run.reportedLost).toBeUndefined();
    // Each agent's 5 distinct Events and the first of its storm fit client-go's burst of 10.
    expect(run.finalCount).toBeGreaterThanOrEqual(2 * (5 + 1));
    expect(run.lost).toBe(run.expected - run.finalCount);
  });
});
