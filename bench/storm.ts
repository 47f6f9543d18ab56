/**
 * 10,000 identical publishes spread over 60 s: API writes and the final count, kube-events beside
 * the seed's algorithm. Simulated time (a manual clock, an instant in-memory sink): the write counts
 * are what the algorithms decide, independent of machine speed. `npm run bench:storm -- --real`
 * runs the same storm in real time against the real kube-apiserver (60 s per recorder).
 */
import { parseArgs } from 'node:util';
import { ManualClock } from '../src/recorder/clock.ts';
import { Recorder } from '../src/recorder/recorder.ts';
import { machine, printTable } from './_measure.ts';
import { CountingSink } from './counting-sink.ts';
import { SeedRecorder } from './seed-recorder.ts';

const PUBLISHES = 10_000;
const DURATION_MS = 60_000;
const event = {
  type: 'Warning' as const,
  reason: 'BackOff',
  action: 'Reconcile',
  note: 'back-off restarting failed container',
};
const regarding = { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web-0', uid: 'uid-1' };
const reporter = { controller: 'example.com/bench', instance: 'bench-0' };

async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

async function simulated(): Promise<void> {
  const step = DURATION_MS / PUBLISHES;
  const clock = new ManualClock();
  const sink = new CountingSink();
  const recorder = new Recorder({ sink }, reporter, { clock, writeBudget: false });
  let maxLagMs = 0;
  const seenAt: number[] = [];
  for (let i = 0; i < PUBLISHES; i++) {
    await recorder.publish(event, regarding);
    seenAt.push(clock.now());
    clock.advance(step);
    await settle();
    const serverCount = [...sink.counts.values()][0] ?? 0;
    const oldestMissing = seenAt[serverCount];
    if (oldestMissing !== undefined) maxLagMs = Math.max(maxLagMs, clock.now() - oldestMissing);
  }
  const beforeClose = sink.writes;
  await recorder.close();
  const seedSink = new CountingSink();
  const seedClock = new ManualClock();
  const seed = new SeedRecorder(seedSink, reporter, seedClock);
  for (let i = 0; i < PUBLISHES; i++) {
    await seed.publish(event, regarding);
    seedClock.advance(step);
  }
  printTable(
    `Storm: ${PUBLISHES.toLocaleString('en')} identical publishes over ${DURATION_MS / 1000} s (simulated time) — ${machine()}`,
    [
      [
        'kube-events Recorder',
        sink.creates,
        sink.patches,
        sink.writes,
        `${beforeClose} + ${sink.writes - beforeClose}`,
        [...sink.counts.values()][0] ?? 0,
        (maxLagMs / 1000).toFixed(1),
      ],
      [
        'seed algorithm (kube-rs)',
        seedSink.creates,
        seedSink.patches,
        seedSink.writes,
        `${seedSink.writes} + 0`,
        [...seedSink.counts.values()][0] ?? 0,
        '0.0',
      ],
    ],
    ['recorder', 'POST', 'PATCH', 'writes', 'storm + close', 'final count', 'max staleness s'],
  );
  console.log(
    `write ratio: ${(seedSink.writes / sink.writes).toFixed(0)}× fewer writes (target ≤ 8 writes; ${PUBLISHES - sink.writes} publishes absorbed)`,
  );
}

const { values } = parseArgs({ options: { real: { type: 'boolean' } } });
if (values.real === true) {
  const { realStorm } = await import('./storm-real.ts');
  await realStorm({ publishes: PUBLISHES, durationMs: DURATION_MS, event, regarding, reporter });
} else {
  await simulated();
}
