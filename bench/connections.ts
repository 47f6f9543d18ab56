/**
 * Connections per apiserver: 1,000 concurrent events.k8s.io/v1 creates against the real
 * kube-apiserver (the test harness, started here), through connect() with each transport setting:
 * HTTP/2 on one and two connections and uncapped, HTTP/1.1 capped at 8 / 16 / 32 connections and
 * uncapped (undici then opens one TLS connection per request in flight). Prints the wall time and the connections opened
 * (conn.stats().connectionsOpened, counted by the transport's connector). Figures are printed,
 * never asserted. As admin (exempt from API Priority and Fairness), so that the server's own
 * throttling does not blur the transport's cost.
 *
 *   node bench/connections.ts [--writes 1000] [--runs 3]
 */
import { parseArgs } from 'node:util';
import { connect, type ConnectOptions } from '../src/connection/index.ts';
import { eventName } from '../src/util/event-name.ts';
import { microTimeNow } from '../src/micro-time.ts';
import { ensureHarness } from '../tools/harness/build.ts';
import { startHarness } from '../tools/harness/start.ts';
import { machine, printTable } from './_measure.ts';

const { values } = parseArgs({ options: { writes: { type: 'string' }, runs: { type: 'string' } } });
const WRITES = Number(values.writes ?? 1000);
const RUNS = Number(values.runs ?? 3);

const SETTINGS: { label: string; options: Pick<ConnectOptions, 'http2' | 'maxConnections'> }[] = [
  { label: 'HTTP/2, 1 connection', options: { http2: true, maxConnections: 1 } },
  { label: 'HTTP/2, 2 connections', options: { http2: true, maxConnections: 2 } },
  { label: 'HTTP/2, uncapped', options: { http2: true, maxConnections: false } },
  { label: 'HTTP/1.1, 8 connections', options: { http2: false, maxConnections: 8 } },
  { label: 'HTTP/1.1, 16 connections', options: { http2: false, maxConnections: 16 } },
  { label: 'HTTP/1.1, 32 connections', options: { http2: false, maxConnections: 32 } },
  { label: 'HTTP/1.1, uncapped', options: { http2: false, maxConnections: false } },
];

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

const binaries = await ensureHarness({ log: (line) => process.stderr.write(`${line}\n`) });
const harness = await startHarness(binaries.apiserver);
try {
  const results = SETTINGS.map((setting) => ({ setting, ms: [] as number[], opened: [] as number[], failed: 0 }));
  for (let run = 0; run < RUNS; run++) {
    // Interleaved, so that a slower etcd later in the run does not favour the first setting.
    for (const [index, result] of results.entries()) {
      const { setting } = result;
      const conn = await connect({ kubeconfig: harness.info.kubeconfigs.admin, ...setting.options });
      const started = performance.now();
      const outcomes = await Promise.allSettled(
        Array.from({ length: WRITES }, (_, i) =>
          conn.events.create({
            metadata: { name: eventName(`conn-${run}-${index}-${i}`), namespace: 'default' },
            eventTime: microTimeNow(),
            type: 'Normal',
            reason: 'Bench',
            action: 'Write',
            reportingController: 'kube-events.bench/connections',
            reportingInstance: 'bench-0',
            regarding: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: `web-${i}` },
          }),
        ),
      );
      result.ms.push(performance.now() - started);
      result.opened.push(conn.stats().connectionsOpened);
      result.failed += outcomes.filter((o) => o.status === 'rejected').length;
      await conn.close();
    }
  }
  printTable(
    `${WRITES} concurrent event creates, admin, kube-apiserver ${harness.info.version} on 127.0.0.1 (median of ${RUNS} interleaved runs) — ${machine()}`,
    results.map((r) => {
      return [
        r.setting.label,
        Math.round(median(r.ms)),
        Math.round((WRITES * 1000) / median(r.ms)),
        `${Math.min(...r.opened)}–${Math.max(...r.opened)}`,
        r.failed,
      ];
    }),
    ['setting', 'ms', 'writes/s', 'connections opened', 'failed'],
  );
} finally {
  await harness.stop();
}
