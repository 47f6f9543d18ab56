/**
 * bench:peers end to end at a small size: the peers built and run through the project's HTTPS
 * counting proxy against a harness of its own (as `npm run bench:peers` does), and the figures
 * each scenario reads back from the server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../../src/connection/index.ts';
import { ensurePeers } from '../../bench/peers/build.ts';
import type { PeerCommand } from '../../bench/peers/run-peer.ts';
import { runDistinct, runFaults, runShutdown, runStorm, type BenchContext } from '../../bench/peers/scenarios.ts';
import { ensureHarness } from '../../tools/harness/build.ts';
import { startHarness, type RunningHarness } from '../../tools/harness/start.ts';

let harness: RunningHarness;
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
  harness = await startHarness((await ensureHarness({ log })).apiserver);
  admin = await connect({ kubeconfig: harness.info.kubeconfigs.admin, rateLimit: false });
  ctx = {
    harness: harness.info,
    admin,
    config: {
      runs: 1,
      storm: { publishes: 300, durationMs: 3_000 },
      distinct: { publishes: 50, graceMs: 10_000, timeoutMs: 60_000 },
    },
    log: () => undefined,
  };
});

afterAll(async () => {
  await admin?.close();
  await harness?.stop();
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
});
