/**
 * The Recorder with its default options against real server-side throttling: API Priority and
 * Fairness holding the writer to one seat (queued, as built-in priority levels answer, and
 * rejected), and the EventRateLimit admission plugin. Every count lands; the share of requests the
 * server answered 429 is printed (the connection retries them after Retry-After, the adaptive
 * write limiter slows down on them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/connection/index.ts';
import { Recorder } from '../../src/recorder/recorder.ts';
import type { ObjectReference } from '../../src/types.ts';
import { sleep } from '../../src/util/sleep.ts';
import {
  startThrottledApiserver,
  type ThrottledApiserver,
  type ThrottledApiserverOptions,
} from '../../tools/throttled-apiserver.ts';
import { connectAs, kube } from './env.ts';

const reporter = { controller: 'kube-events.test/throttled', instance: 'throttled-0' };
const occurrence = { type: 'Warning' as const, reason: 'BackOff', action: 'Reconcile', note: 'throttled' };
const pod = (name: string): ObjectReference => ({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name });

/** Counts per regarding name, read as admin (exempt from APF). */
async function countsOnServer(admin: Connection): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let next: string | undefined;
  do {
    const page = await admin.events.list({
      namespace: 'default',
      limit: 500,
      ...(next !== undefined ? { continue: next } : {}),
    });
    for (const event of page.items) {
      const name = event.regarding?.name ?? '';
      counts.set(name, (counts.get(name) ?? 0) + (event.series?.count ?? 1));
    }
    next = page.metadata?.continue !== '' ? page.metadata?.continue : undefined;
  } while (next !== undefined);
  return counts;
}

/** `distinct` new Events at once, and a storm on one key for `stormMs`; then close(). */
async function run(server: ThrottledApiserver, distinct: number, stormMs: number) {
  const writer = await connectAs('events-writer', { info: server.harness.info });
  const recorder = new Recorder(writer, reporter);
  const began = performance.now();
  for (let i = 0; i < distinct; i++) recorder.emit(occurrence, pod(`distinct-${i}`));
  let storm = 0;
  for (const end = Date.now() + stormMs; Date.now() < end; storm++) {
    recorder.emit(occurrence, pod('storm'));
    await sleep(5);
  }
  const report = await recorder.close({ timeoutMs: 240_000 });
  const seconds = ((performance.now() - began) / 1000).toFixed(1);
  const http = writer.stats();
  const throttledShare = http.retries / http.attempts;
  console.log(
    `${distinct} distinct + a storm of ${storm}: ${seconds} s, ${http.attempts} requests, ` +
      `${http.retries} retried after 429/5xx (${(throttledShare * 100).toFixed(1)} %), ` +
      `${writer.stats().connectionsOpened} connections, stats.failed ${JSON.stringify(recorder.stats().failed)}`,
  );
  return { report, storm, throttledShare, stats: recorder.stats() };
}

function expectEveryCount(counts: Map<string, number>, distinct: number, storm: number): void {
  const missing = Array.from({ length: distinct }, (_, i) => `distinct-${i}`).filter((name) => counts.get(name) !== 1);
  expect(missing).toEqual([]);
  expect(counts.get('storm')).toBe(storm);
}

describe.each<[string, ThrottledApiserverOptions, number]>([
  // Built-in priority levels queue before they reject.
  [
    'APF, one seat with a queue',
    { apf: { identities: ['events-writer'], limitResponse: { queues: 1, handSize: 1, queueLengthLimit: 10 } } },
    2_000,
  ],
  // A level that rejects at once: every 429 carries Retry-After: 1.
  ['APF, one seat, Reject', { apf: { identities: ['events-writer'] } }, 300],
  // EventRateLimit limits core/v1 Events only (test/apiserver/README.md): events.k8s.io writes pass.
  ['EventRateLimit (Server qps 5, burst 10)', { eventRateLimit: [{ type: 'Server', qps: 5, burst: 10 }] }, 2_000],
])('the Recorder with default options against %s', (_name, options, distinct) => {
  let server: ThrottledApiserver;
  beforeAll(async () => {
    server = await startThrottledApiserver(kube().apiserverBinary, options);
  });
  afterAll(async () => {
    await server.stop();
  });

  it(`${distinct} distinct Events at once and a storm: every count lands, nothing lost`, async () => {
    const { report, storm, throttledShare, stats } = await run(server, distinct, 3_000);
    expect(report.lost).toBe(0);
    expect(stats.dropped.overload).toBe(0);
    expectEveryCount(await countsOnServer(server.admin), distinct, storm);
    // Most writes go through at the first try; the limiter keeps the 429s a minority.
    expect(throttledShare).toBeLessThan(0.5);
  });
});
