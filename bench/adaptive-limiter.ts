/**
 * The adaptive write limiter against real server-side throttling: 300 distinct event creates from
 * 50 concurrent writers, as events-writer, whose requests API Priority and Fairness sends to a
 * priority level of 1 share (3 seats of the default 600). Two limit responses: `Reject` (429 as
 * soon as the seats are busy) and `Queue` (8 queues of 20, what built-in levels do). Rows:
 * - no limiter, connect()'s own retries (each 429 retried after its Retry-After, per request, as
 *   client-go does);
 * - the AdaptiveLimiter (defaults), retries off: a 429 goes back to the limiter, which pauses for
 *   its Retry-After and halves, and the write is tried again.
 * Prints wall time, 429s seen and the limiter's final limit. Figures are printed, never asserted.
 *
 * Measured 2026-11-30, kube-apiserver v1.37.2 on loopback, 2 shared cores, 2 runs:
 *   Queue 8×20 (how built-in levels answer): limiter 864 / 1167 ms, 0 × 429;
 *     no limiter with per-request retries 1135 / 1371 ms, 0 × 429.
 *   Reject: limiter 21.0 / 17.3 s, 17 / 11 × 429; no limiter with per-request retries
 *     3.2 / 7.5 s, 53 / 63 × 429. Every 429 carries `Retry-After: 1` and pauses all of the
 *     limiter's writes for a second: gentle (a fifth to a third of the 429s) but slow. Pausing only
 *     the refused write, as client-go does, would trade the one for the other.
 *
 *   node bench/adaptive-limiter.ts [--writes 300] [--writers 50]
 */
import { parseArgs } from 'node:util';
import { connect, type Connection } from '../src/connection/index.ts';
import { isApiError } from '../src/errors.ts';
import { AdaptiveLimiter } from '../src/recorder/adaptive-limiter.ts';
import { writeOutcome } from '../src/recorder/write-outcome.ts';
import type { Event } from '../src/types.ts';
import { eventName } from '../src/util/event-name.ts';
import { microTimeNow } from '../src/micro-time.ts';
import { ensureHarness } from '../tools/harness/build.ts';
import type { ThrottleUserOptions } from '../tools/apf.ts';
import { startThrottledApiserver } from '../tools/throttled-apiserver.ts';
import { machine, printTable } from './_measure.ts';

const { values } = parseArgs({ options: { writes: { type: 'string' }, writers: { type: 'string' } } });
const WRITES = Number(values.writes ?? 300);
const WRITERS = Number(values.writers ?? 50);

const event = (i: number): Event => ({
  metadata: { name: eventName(`limiter-${i}`), namespace: 'default' },
  eventTime: microTimeNow(),
  type: 'Normal',
  reason: 'Bench',
  action: 'Write',
  reportingController: 'kube-events.bench/limiter',
  reportingInstance: 'bench-0',
  regarding: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: `web-${i}` },
});

/** Runs WRITES writes from WRITERS workers; `write` resolves once its write landed. */
async function run(write: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (next < WRITES) await write(next++);
    }),
  );
  return performance.now() - started;
}

async function withRetries(conn: Connection): Promise<(string | number)[]> {
  const ms = await run(async (i) => {
    await conn.events.create(event(i));
  });
  return [Math.round(ms), conn.stats().retries, '-'];
}

async function withLimiter(conn: Connection): Promise<(string | number)[]> {
  const limiter = new AdaptiveLimiter();
  let throttled = 0;
  const ms = await run(async (i) => {
    for (;;) {
      const permit = await limiter.acquire();
      const started = performance.now();
      let failure: unknown;
      try {
        await conn.events.create(event(i));
      } catch (error) {
        failure = error;
      }
      permit.release(writeOutcome(failure, performance.now() - started));
      if (failure === undefined) return;
      if (!isApiError(failure)) throw new Error('write failed', { cause: failure });
      if (failure.status !== 429) throw failure;
      throttled += 1;
    }
  });
  return [Math.round(ms), throttled, limiter.limit];
}

const binaries = await ensureHarness({ log: (line) => process.stderr.write(`${line}\n`) });
const rows: (string | number)[][] = [];
const responses: [string, ThrottleUserOptions['limitResponse']][] = [
  ['Reject', 'reject'],
  ['Queue 8×20', { queues: 8, handSize: 4, queueLengthLimit: 20 }],
];
for (const [label, limitResponse] of responses) {
  const server = await startThrottledApiserver(binaries.apiserver, {
    apf: { identities: ['events-writer'], limitResponse: limitResponse ?? 'reject' },
    maxRequestsInflight: { readOnly: 400, mutating: 200 },
  });
  try {
    const kubeconfig = server.harness.info.kubeconfigs['events-writer'];
    const retrying = await connect({ kubeconfig });
    rows.push([`${label}: no limiter, per-request retries`, ...(await withRetries(retrying))]);
    await retrying.close();
    const plain = await connect({ kubeconfig, retry: false });
    rows.push([`${label}: AdaptiveLimiter`, ...(await withLimiter(plain))]);
    await plain.close();
  } finally {
    await server.stop();
  }
}
printTable(
  `${WRITES} event creates from ${WRITERS} writers, events-writer limited by APF to 1 share (3 seats), kube-apiserver on 127.0.0.1 — ${machine()}`,
  rows,
  ['setting', 'ms', '429s', 'final limit'],
);
