/**
 * Distinct events per second against the real kube-apiserver (started here by the test harness):
 * N events about N different objects (every one a create), 64 publishes in flight. kube-events
 * with the client-side rate limit and write budget off, the seed's algorithm over the same
 * connection settings as the baseline, and kube-events with the defaults (client-go's 5 QPS,
 * burst 10: about 5 events/s once the burst is spent). Each run counts its Events on the server.
 */
import { connect, type ConnectOptions } from '../src/connection/index.ts';
import { systemRecorderClock } from '../src/recorder/clock.ts';
import { Recorder } from '../src/recorder/recorder.ts';
import type { ObjectReference } from '../src/types.ts';
import { ensureHarness } from '../tools/harness/build.ts';
import { startHarness, type HarnessInfo } from '../tools/harness/start.ts';
import { machine, printTable } from './_measure.ts';
import { SeedRecorder } from './seed-recorder.ts';

const CONCURRENCY = 64;
const WARM_UP = 64;
const event = { type: 'Normal' as const, reason: 'Synced', action: 'Reconcile', note: 'reconciled' };
const reporter = { controller: 'example.com/bench', instance: 'bench-0' };
const ref = (prefix: string, i: number): ObjectReference => ({
  apiVersion: 'v1',
  kind: 'Pod',
  namespace: 'default',
  name: `${prefix}-${i}`,
  uid: `${prefix}-uid-${i}`,
});

interface Run {
  label: string;
  prefix: string;
  n: number;
  defaultOptions: boolean;
  recorder: 'kube-events' | 'seed';
}

/** Runs `count` calls of `task`, at most `limit` at a time. */
async function pool(count: number, limit: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

async function countOnServer(info: HarnessInfo, prefix: string): Promise<number> {
  const admin = await connect({ kubeconfig: info.kubeconfigs.admin, rateLimit: false });
  try {
    let found = 0;
    let token: string | undefined;
    do {
      const page = await admin.events.list({
        namespace: 'default',
        limit: 500,
        ...(token !== undefined ? { continue: token } : {}),
      });
      for (const item of page.items) if (item.regarding?.name?.startsWith(`${prefix}-`) === true) found += 1;
      token = page.metadata?.continue;
    } while (token !== undefined && token !== '');
    return found;
  } finally {
    await admin.close();
  }
}

async function measure(info: HarnessInfo, run: Run): Promise<(string | number)[]> {
  const options: ConnectOptions = { kubeconfig: info.kubeconfigs['events-writer'] };
  if (!run.defaultOptions) options.rateLimit = false;
  const conn = await connect(options);
  try {
    const recorder =
      run.recorder === 'kube-events'
        ? new Recorder(conn, reporter, run.defaultOptions ? {} : { writeBudget: false })
        : new SeedRecorder(conn.events, reporter, systemRecorderClock);
    // Warm-up (connections, server caches), except where it would spend the rate limit's burst.
    if (!run.defaultOptions) {
      await pool(WARM_UP, CONCURRENCY, (i) => recorder.publish(event, ref(`warm-${run.prefix}`, i)));
    }
    const requestsBefore = conn.stats().requests;
    const started = performance.now();
    await pool(run.n, CONCURRENCY, (i) => recorder.publish(event, ref(run.prefix, i)));
    const seconds = (performance.now() - started) / 1000;
    const requests = conn.stats().requests - requestsBefore;
    if (recorder instanceof Recorder) await recorder.close();
    const onServer = await countOnServer(info, run.prefix);
    return [
      run.label,
      run.n,
      requests,
      onServer,
      seconds.toFixed(2),
      (run.n / seconds).toFixed(0),
      conn.stats().connectionsOpened,
    ];
  } finally {
    await conn.close();
  }
}

const binaries = await ensureHarness();
const harness = await startHarness(binaries.apiserver);
try {
  const stamp = Date.now().toString(36);
  const kubeEvents = (round: number): Run => ({
    label: `kube-events, rate limits off (${round})`,
    prefix: `tp-ke${round}-${stamp}`,
    n: 2000,
    defaultOptions: false,
    recorder: 'kube-events',
  });
  const seed = (round: number): Run => ({
    label: `seed algorithm, rate limits off (${round})`,
    prefix: `tp-seed${round}-${stamp}`,
    n: 2000,
    defaultOptions: false,
    recorder: 'seed',
  });
  // A B B A: neither recorder always runs on the colder or the fuller server.
  const runs: Run[] = [
    kubeEvents(1),
    seed(1),
    seed(2),
    kubeEvents(2),
    {
      label: 'kube-events, default options (write budget 20/s, burst 100)',
      prefix: `tp-def-${stamp}`,
      n: 300,
      defaultOptions: true,
      recorder: 'kube-events',
    },
  ];
  const rows: (string | number)[][] = [];
  for (const run of runs) rows.push(await measure(harness.info, run));
  printTable(
    `Distinct events against kube-apiserver ${harness.info.version} (${CONCURRENCY} in flight) — ${machine()}`,
    rows,
    ['run', 'events', 'API requests', 'on server', 'seconds', 'events/s', 'connections'],
  );
  const rate = (label: string) => {
    const rates = rows.filter((row) => String(row[0]).startsWith(label)).map((row) => Number(row[5]));
    return rates.reduce((sum, value) => sum + value, 0) / Math.max(1, rates.length);
  };
  const ours = rate('kube-events, rate limits off');
  const theirs = rate('seed algorithm, rate limits off');
  console.log(
    `rate limits off, mean of 2 runs: kube-events ${ours.toFixed(0)}/s, seed ${theirs.toFixed(0)}/s (${(ours / theirs).toFixed(2)}× the seed)`,
  );
} finally {
  await harness.stop();
}
