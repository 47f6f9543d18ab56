/**
 * Cost of a publish and an emit that hit the cache (the series exists), with 100 and with 100,000
 * live series, beside the seed's algorithm (which scans its whole cache on every publish).
 * Target: emit ≤ 1 µs median, flat from 100 to 100,000 keys. Instant in-memory sink: this measures
 * the Recorder, not the network.
 *
 * With 100,000 series the measured emits (200 batches of 500) meet each series about once, right
 * after its prefill write: every one of them arms the series' coalescing timer, where with 100
 * series only the first of each window does. "timer armed" measures emits after one pass over
 * all series has armed every timer (minWriteIntervalMs 60 s keeps them armed): the lookup and the
 * count alone. What is left of the gap to 100 series is memory (a 100,000-entry Map and LRU, the
 * series spread over the heap) and the key string built per call (its join allocates about 450
 * of the 880 bytes an emit allocates).
 */
import { Recorder } from '../src/recorder/recorder.ts';
import { systemRecorderClock } from '../src/recorder/clock.ts';
import { machine, printTable } from './_measure.ts';
import { CountingSink } from './counting-sink.ts';
import { SeedRecorder } from './seed-recorder.ts';

const event = { type: 'Normal' as const, reason: 'Synced', action: 'Reconcile', note: 'reconciled' };
const reporter = { controller: 'example.com/bench', instance: 'bench-0' };
const ref = (i: number) => ({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: `pod-${i}`, uid: `uid-${i}` });

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Median ns per call over batches of `batch` calls. */
async function measure(fn: (i: number) => unknown, batches = 200, batch = 500): Promise<number> {
  const samples: number[] = [];
  let i = 0;
  for (let b = 0; b < batches; b++) {
    const start = process.hrtime.bigint();
    for (let k = 0; k < batch; k++) {
      const result = fn(i++);
      if (result instanceof Promise) await result;
    }
    samples.push(Number(process.hrtime.bigint() - start) / batch);
    // Let coalesced-write timers and promise callbacks run between batches, as in a real process.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return median(samples);
}

const rows: (string | number)[][] = [];
for (const keys of [100, 100_000]) {
  const sink = new CountingSink();
  const recorder = new Recorder({ sink }, reporter, { writeBudget: false, maxSeries: keys + 10 });
  for (let i = 0; i < keys; i++) await recorder.publish(event, ref(i));
  // Second occurrence of each: the series exists on the server, later ones are coalesced.
  for (let i = 0; i < keys; i++) await recorder.publish(event, ref(i));
  const emitNs = await measure((i) => recorder.emit(event, ref(i % keys)));
  const publishNs = await measure((i) => recorder.publish(event, ref(i % keys)));
  await recorder.close();

  const holding = new Recorder({ sink: new CountingSink() }, reporter, {
    writeBudget: false,
    maxSeries: keys + 10,
    minWriteIntervalMs: 60_000,
  });
  for (let i = 0; i < keys; i++) await holding.publish(event, ref(i));
  for (let i = 0; i < keys; i++) await holding.publish(event, ref(i));
  for (let i = 0; i < keys; i++) holding.emit(event, ref(i));
  const emitNoWriteNs = await measure((i) => holding.emit(event, ref(i % keys)));
  await holding.close({ timeoutMs: 60_000 });

  const seedSink = new CountingSink();
  const seed = new SeedRecorder(seedSink, reporter, systemRecorderClock);
  await seed.prefill(
    event,
    Array.from({ length: keys }, (_, i) => ref(i)),
  );
  const seedNs = await measure(
    (i) => seed.publish(event, ref(i % keys)),
    keys > 1000 ? 5 : 200,
    keys > 1000 ? 20 : 500,
  );
  rows.push([
    keys.toLocaleString('en'),
    emitNs.toFixed(0),
    emitNoWriteNs.toFixed(0),
    publishNs.toFixed(0),
    seedNs.toFixed(0),
    (seedNs / publishNs).toFixed(0),
  ]);
}
printTable(`Cache-hit cost per call, median — ${machine()}`, rows, [
  'live series',
  'emit ns',
  'emit ns, timer armed',
  'publish ns',
  'seed publish ns',
  'seed / publish',
]);
