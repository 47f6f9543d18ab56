/**
 * Heap per live series at 100,000 keys (target ≤ 1 KiB), beside the seed's algorithm (its cache
 * holds a whole Event per series). Each of 100,000 distinct objects gets 2 occurrences, so every
 * series is live and on the "server" (an instant in-memory sink). Heap is measured after forced
 * GCs, before the recorder is built and after the publishes; the sink's own bookkeeping is cleared
 * first. Needs `--expose-gc`: the script re-runs itself with it when `gc` is missing.
 *
 * The seed scans its whole cache on every publish (quadratic fill: ~4 s at 10,000 keys, over
 * 10 min at 100,000), so it is measured at 10,000 keys beside kube-events at the same size;
 * `node bench/memory.ts --seed-keys 100000` measures it at full size.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Recorder } from '../src/recorder/recorder.ts';
import { systemRecorderClock } from '../src/recorder/clock.ts';
import type { ObjectReference } from '../src/types.ts';
import { machine, printTable } from './_measure.ts';
import { CountingSink } from './counting-sink.ts';
import { SeedRecorder } from './seed-recorder.ts';

const gc = globalThis.gc;
if (gc === undefined) {
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, '--expose-gc', fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  process.exit(child.status ?? 1);
}

const KEYS = 100_000;
const { values } = parseArgs({ options: { 'seed-keys': { type: 'string', default: '10000' } } });
const SEED_KEYS = Number(values['seed-keys']);
if (!Number.isInteger(SEED_KEYS) || SEED_KEYS <= 0) throw new RangeError('--seed-keys must be a positive integer');
const event = { type: 'Normal' as const, reason: 'Synced', action: 'Reconcile', note: 'reconciled' };
const reporter = { controller: 'example.com/bench', instance: 'bench-0' };
/**
 * Made on the fly (the benchmark keeps no reference to its inputs, only the recorder can) and
 * JSON-parsed, as objects read from the apiserver are: flat strings, not concatenation trees.
 */
const ref = (i: number): ObjectReference =>
  JSON.parse(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      namespace: 'default',
      name: `pod-${i}`,
      uid: `6f1c2d3e-${String(i).padStart(6, '0')}-4a5b-8c9d-0e1f2a3b4c5d`,
    }),
  ) as ObjectReference;

interface Heap {
  heapUsed: number;
  arrayBuffers: number;
}

async function settledHeap(): Promise<Heap> {
  for (let i = 0; i < 3; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    gc?.();
  }
  const usage = process.memoryUsage();
  return { heapUsed: usage.heapUsed, arrayBuffers: usage.arrayBuffers };
}

interface Row {
  label: string;
  keys: number;
  heapBytes: number;
  bufferBytes: number;
  seconds: number;
  live: number;
}

async function measure(
  label: string,
  keys: number,
  build: (sink: CountingSink) => {
    publish: (i: number) => Promise<unknown>;
    live: () => number;
    close: () => Promise<void>;
  },
): Promise<Row> {
  const sink = new CountingSink();
  const before = await settledHeap();
  const started = performance.now();
  const subject = build(sink);
  for (let i = 0; i < keys; i++) await subject.publish(i);
  for (let i = 0; i < keys; i++) await subject.publish(i);
  const seconds = (performance.now() - started) / 1000;
  // The sink's per-name counts are the benchmark's bookkeeping, not the recorder's memory.
  sink.counts.clear();
  const after = await settledHeap();
  const live = subject.live();
  if (sink.writes !== 2 * keys) console.log(`${label}: expected ${2 * keys} writes, the sink saw ${sink.writes}`);
  await subject.close();
  return {
    label,
    keys,
    heapBytes: after.heapUsed - before.heapUsed,
    bufferBytes: after.arrayBuffers - before.arrayBuffers,
    seconds,
    live,
  };
}

function kubeEvents(keys: number): Promise<Row> {
  return measure('kube-events Recorder', keys, (sink) => {
    const recorder = new Recorder({ sink }, reporter, { writeBudget: false, maxSeries: keys });
    return {
      publish: (i) => recorder.publish(event, ref(i)),
      live: () => recorder.stats().cacheSize,
      close: async () => {
        await recorder.close();
      },
    };
  });
}

function seed(keys: number): Promise<Row> {
  return measure('seed algorithm (kube-rs)', keys, (sink) => {
    const recorder = new SeedRecorder(sink, reporter, systemRecorderClock);
    return {
      publish: (i) => recorder.publish(event, ref(i)),
      live: () => recorder.size,
      close: () => Promise.resolve(),
    };
  });
}

const perSeries = (row: Row) => (row.heapBytes + row.bufferBytes) / row.keys;
const target = await kubeEvents(KEYS);
const rows: Row[] = [target];
const sameSize = SEED_KEYS === KEYS ? target : await kubeEvents(SEED_KEYS);
if (sameSize !== target) rows.push(sameSize);
rows.push(await seed(SEED_KEYS));

printTable(
  `Memory per live series: distinct objects × 2 occurrences, heap after gc — ${machine()}`,
  rows.map((row) => [
    row.label,
    row.live.toLocaleString('en'),
    (row.heapBytes / 2 ** 20).toFixed(1),
    (row.bufferBytes / 2 ** 20).toFixed(2),
    perSeries(row).toFixed(0),
    (perSeries(row) / perSeries(row.keys === KEYS ? target : sameSize)).toFixed(2),
    row.seconds.toFixed(1),
  ]),
  ['recorder', 'live series', 'heap MiB', 'array buffers MiB', 'bytes / series', '× kube-events (same keys)', 'fill s'],
);
console.log(
  `target: ≤ 1024 bytes per live series at ${KEYS.toLocaleString('en')} keys; kube-events: ${perSeries(target).toFixed(0)}`,
);
