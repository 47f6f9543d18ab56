/**
 * `npm run bench:peers`: kube-events, client-go tools/events and kube-rs's Recorder side by side on
 * the same real kube-apiserver, behind the project's counting proxy. Builds what it needs, runs
 * storm, faults, distinct, shutdown, burst, throttled and fleet (3 runs each, interleaved; the last
 * two against a second apiserver that holds the peers to one seat by API Priority and Fairness),
 * prints the table, writes bench/results/peers.{json,md}, the charts and the docs/benchmarks.md
 * section generated from them.
 *
 *   npm run bench:peers                        # the full run (1 h 41 min on 2 cores; the table in docs/benchmarks.md)
 *   npm run bench:peers -- --quick             # a smaller run into a temporary folder (docs/benchmarks.md untouched)
 *   npm run bench:peers -- --peers kube-events,client-go --runs 1 --out /tmp/peers
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connect } from '../../src/connection/index.ts';
import { ensureHarness } from '../../tools/harness/build.ts';
import { startHarness } from '../../tools/harness/start.ts';
import { startThrottledApiserver, type ThrottledApiserver } from '../../tools/throttled-apiserver.ts';
import { ensurePeers, MissingToolchainError, toolchainVersions } from './build.ts';
import { PEER_NAMES, type PeerName } from './contract.ts';
import { FAULTS_OVERRUN_MS } from './figures.ts';
import { runBurst, runFleet, runThrottled } from './landing.ts';
import { writeCharts } from './charts.ts';
import { allRuns, publishReport, renderMarkdown, RESULTS_JSON, type PeerReport } from './report.ts';
import type { PeerCommand } from './run-peer.ts';
import {
  runDistinct,
  runFaults,
  runShutdown,
  runStorm,
  type BenchConfig,
  type BenchContext,
  type BenchServer,
} from './scenarios.ts';

const SCENARIOS = ['storm', 'faults', 'distinct', 'shutdown', 'burst', 'throttled', 'fleet'] as const;
type Scenario = (typeof SCENARIOS)[number];

const FULL: BenchConfig = {
  runs: 3,
  storm: { publishes: 10_000, durationMs: 60_000 },
  distinct: { publishes: 1_000, graceMs: 10_000, timeoutMs: 600_000 },
  // client-go at QPS 5 needs 1,000 s for 5,000: it is cut at the timeout, and what it landed by then
  // says its rate. 5 minutes (not 10) keeps the full run under 2 hours on 2 cores.
  burst: { publishes: 5_000, timeoutMs: 300_000 },
  throttled: { publishes: 5_000, timeoutMs: 300_000 },
  fleet: { agents: 20, stormPublishes: 1_000, stormDurationMs: 10_000, distinctPublishes: 100, timeoutMs: 300_000 },
};
const QUICK: BenchConfig = {
  runs: 1,
  storm: { publishes: 2_000, durationMs: 12_000 },
  distinct: { publishes: 200, graceMs: 10_000, timeoutMs: 120_000 },
  // client-go's QPS 5 makes these its 60 s each: the quick run's new scenarios stay within about 5 minutes.
  burst: { publishes: 300, timeoutMs: 120_000 },
  throttled: { publishes: 300, timeoutMs: 90_000 },
  // kube-rs, one PATCH per publish through the one seat, needed a little over 60 s on a loaded 2-core machine.
  fleet: { agents: 4, stormPublishes: 200, stormDurationMs: 5_000, distinctPublishes: 20, timeoutMs: 90_000 },
};

const FALLBACK_LIBRARY: Record<PeerName, { library: string; version: string }> = {
  'kube-events': { library: 'kube-events', version: 'unknown' },
  'client-go': { library: 'k8s.io/client-go', version: 'v0.37.2' },
  'kube-rs': { library: 'kube', version: '5.0.0' },
};

function list<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T[] {
  if (value === undefined) return [...allowed];
  const items = value.split(',').map((item) => item.trim());
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item))
      throw new UsageError(`--${flag}: unknown "${item}"; known: ${allowed.join(', ')}`);
  }
  return items as T[];
}

class UsageError extends Error {
  override name = 'UsageError';
}

function machine(): string {
  const cpu = cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  return `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 1024 ** 3)} GiB, ${process.platform}/${process.arch}`;
}

/** A rough duration of the run, for the progress line: what each scenario waits for, per peer. */
function estimateMs(config: BenchConfig, peers: readonly PeerName[], scenarios: readonly Scenario[]): number {
  const perRun = (scenario: Scenario, peer: PeerName): number => {
    switch (scenario) {
      case 'storm':
        return config.storm.durationMs + 3_000;
      case 'faults':
        return config.storm.durationMs + (peer === 'kube-rs' ? FAULTS_OVERRUN_MS : 3_000);
      case 'distinct':
        // client-go's QPS 5; kube-events' adaptive write budget lands 1,000 in about 2 s.
        return peer === 'client-go' ? config.distinct.publishes * 200 : 3_000;
      case 'shutdown':
        return 5_000;
      case 'burst':
      case 'throttled': {
        const publishes = (scenario === 'burst' ? config.burst : config.throttled)?.publishes ?? 0;
        return peer === 'client-go' ? Math.min(publishes * 200, config.burst?.timeoutMs ?? 600_000) : 10_000;
      }
      case 'fleet':
        return (config.fleet?.stormDurationMs ?? 0) + 20_000;
    }
  };
  let total = 0;
  for (const scenario of scenarios) for (const peer of peers) total += config.runs * perRun(scenario, peer);
  return total;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string' },
      peers: { type: 'string' },
      scenarios: { type: 'string' },
      quick: { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(
      `usage: npm run bench:peers -- [--quick] [--runs N] [--peers kube-events,client-go,kube-rs] [--scenarios ${SCENARIOS.join(',')}] [--out DIR]`,
    );
    return;
  }
  const peers = list('peers', values.peers, PEER_NAMES);
  const scenarios = list('scenarios', values.scenarios, SCENARIOS);
  const config: BenchConfig = { ...(values.quick ? QUICK : FULL) };
  if (values.runs !== undefined) {
    const runs = Number(values.runs);
    if (!Number.isInteger(runs) || runs < 1)
      throw new UsageError(`--runs must be a positive integer, got "${values.runs}"`);
    config.runs = runs;
  }
  // Only the full run of every peer and scenario replaces the committed results and the docs/benchmarks.md table.
  const official =
    !values.quick &&
    values.runs === undefined &&
    values.out === undefined &&
    peers.length === 3 &&
    scenarios.length === SCENARIOS.length;
  const outDir = values.out ?? (official ? undefined : mkdtempSync(join(tmpdir(), 'kube-events-bench-peers-')));
  const log = (line: string): void => console.error(line);

  const commands = await ensurePeers(peers, log);
  const binaries = await ensureHarness({ log });
  log(`starting kube-apiserver ${binaries.version}`);
  const harness = await startHarness(binaries.apiserver);
  const admin = await connect({ kubeconfig: harness.info.kubeconfigs.admin, rateLimit: false });
  // The second server starts only when a scenario needs it. Reject rather than Queue: the peer's one
  // seat answers every write beyond it with 429 at once, so the figures show how each library copes
  // with 429s (retry, back off, or drop) instead of how long the server's queues hold requests.
  let throttled: Promise<ThrottledApiserver> | undefined;
  const throttledServer = async (): Promise<BenchServer> => {
    throttled ??= (async () => {
      log('starting the APF-limited kube-apiserver (events-writer: one seat, Reject)');
      return startThrottledApiserver(binaries.apiserver, {
        apf: { identities: ['events-writer'], limitResponse: 'reject' },
      });
    })();
    const server = await throttled;
    return { harness: server.harness.info, admin: server.admin };
  };
  const ctx: BenchContext = { harness: harness.info, admin, throttledServer, config, log };
  const report: PeerReport = {
    date: new Date().toISOString().slice(0, 10),
    machine: machine(),
    apiserver: harness.info.version,
    toolchains: toolchainVersions(peers),
    peers: [],
    config,
    storm: [],
    faults: [],
    distinct: [],
    shutdown: [],
    burst: [],
    throttled: [],
    fleet: [],
  };
  try {
    const estimateMin = Math.round(estimateMs(config, peers, scenarios) / 60_000);
    log(`running ${scenarios.join(', ')} × ${peers.join(', ')} × ${config.runs} run(s); roughly ${estimateMin} min`);
    for (const scenario of scenarios) {
      for (let run = 1; run <= config.runs; run++) {
        for (const peer of commands) {
          const started = Date.now();
          const line = await runOne(ctx, scenario, peer, run, report);
          log(`  ${scenario} #${run} ${peer.name.padEnd(11)} ${line} (${Math.round((Date.now() - started) / 1000)} s)`);
        }
      }
    }
  } finally {
    await admin.close();
    await harness.stop();
    if (throttled !== undefined) await (await throttled.catch(() => undefined))?.stop();
  }
  const runs = allRuns(report);
  for (const peer of peers) {
    // What the peer itself reported (the exact resolved version), else what it is built against.
    const reported = runs.find((run) => run.peer === peer && run.library !== undefined);
    report.peers.push({
      name: peer,
      library: reported?.library ?? FALLBACK_LIBRARY[peer].library,
      version: reported?.version ?? FALLBACK_LIBRARY[peer].version,
    });
  }

  const markdown = await renderMarkdown(report, '');
  console.log(`\n${markdown}`);
  if (official) {
    mkdirSync(join(RESULTS_JSON, '..'), { recursive: true });
    writeFileSync(RESULTS_JSON, `${JSON.stringify(report, null, 2)}\n`);
    await publishReport(report);
    log(
      `wrote ${RESULTS_JSON}, bench/results/peers.md, the charts, the comparison section of docs/benchmarks.md and the README's table`,
    );
  } else if (outDir !== undefined) {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'peers.json'), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(join(outDir, 'peers.md'), markdown);
    const charts = await writeCharts(report, outDir);
    log(
      `wrote ${join(outDir, 'peers.json')}, peers.md and ${charts.join(', ')} (a partial run: docs/benchmarks.md and the README are left as they are)`,
    );
  }

  const failed = allRuns(report).filter((run) => run.failure !== undefined);
  if (failed.length > 0) {
    log(`${failed.length} run(s) gave no result (listed under the table)`);
    process.exitCode = 1;
  }

  async function runOne(
    context: BenchContext,
    scenario: Scenario,
    peer: PeerCommand,
    run: number,
    into: PeerReport,
  ): Promise<string> {
    switch (scenario) {
      case 'storm': {
        const result = await runStorm(context, peer, run);
        into.storm.push(result);
        return (
          result.failure ??
          `writes ${result.posts}+${result.patches}, behind max ${result.stalenessMax}, final ${result.finalCount}`
        );
      }
      case 'faults': {
        const result = await runFaults(context, peer, run);
        into.faults.push(result);
        return (
          result.failure ??
          `final ${result.finalCount}, errors ${result.errorsSurfaced}, 429s ${result.throttled}, resets ${result.connectionsReset}`
        );
      }
      case 'distinct': {
        const result = await runDistinct(context, peer, run);
        into.distinct.push(result);
        return (
          result.failure ??
          `all on the server after ${result.timeToAllMs === undefined ? 'timeout' : `${(result.timeToAllMs / 1000).toFixed(1)} s`}`
        );
      }
      case 'shutdown': {
        const result = await runShutdown(context, peer, run);
        into.shutdown.push(result);
        return (
          result.failure ??
          `${result.onServer} on the server after ${(result.shutdownMs / 1000).toFixed(1)} s of shutdown`
        );
      }
      case 'burst':
      case 'throttled': {
        const result = await (scenario === 'burst' ? runBurst : runThrottled)(context, peer, run);
        (into[scenario] ??= []).push(result);
        const landed =
          result.timeToAllMs === undefined
            ? `${result.lost} lost`
            : `all in ${(result.timeToAllMs / 1000).toFixed(1)} s`;
        return (
          result.failure ??
          `${landed}, writes ${result.writes} (429: ${result.throttled}), connections ${result.connections}`
        );
      }
      case 'fleet': {
        const result = await runFleet(context, peer, run);
        (into.fleet ??= []).push(result);
        const landed =
          result.timeToAllMs === undefined
            ? `${result.lost} lost`
            : `all in ${(result.timeToAllMs / 1000).toFixed(1)} s`;
        // Their start-up on a busy machine is inside the time to land.
        const spread = `agents started within ${((result.startSpreadMs ?? Number.NaN) / 1000).toFixed(1)} s`;
        return (
          result.failure ??
          `${landed} (${spread}), writes ${result.writes} (429: ${result.throttled}), connections ${result.connections}`
        );
      }
    }
  }
}

try {
  await main();
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`bench:peers: ${message}`);
  process.exitCode = error instanceof UsageError || error instanceof MissingToolchainError ? 2 : 1;
}
