/**
 * The deterministic fault simulation of the Recorder.
 *
 *   npm run test:sim -- --seeds 2000            seeds 1..2000 (the regression list first)
 *   npm run test:sim -- --seeds 2000 --from 5000
 *   npm run test:sim -- --seed 1234             replay one seed, printing its trace
 *   npm run test:sim -- --seed 1234 --shrink    also shrink it to a minimal plan with fast-check
 *   npm run test:sim -- --seed 1234 --save "what it found"   keep its plan in regressions.json
 *
 * Seeds run in worker threads (--workers, default: the machine's cores). Exits 1 on a violation,
 * printing each failing seed, its violations and the end of its trace.
 */
import fc from 'fast-check';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { planArb, planFor } from './plan.ts';
import { REGRESSIONS, saveRegression } from './regressions.ts';
import { runPlan } from './run.ts';

/** Failures printed in full; the rest are listed by seed. */
const MAX_PRINTED = 5;

interface SeedFailure {
  seed: number;
  violations: string[];
  trace: string[];
}

/** Runs the seeds given; reports failures and the simulated time covered. */
async function runSeeds(seeds: number[]): Promise<{ failures: SeedFailure[]; simulatedMs: number; steps: number }> {
  const failures: SeedFailure[] = [];
  let simulatedMs = 0;
  let steps = 0;
  for (const seed of seeds) {
    const result = await runPlan(planFor(seed));
    simulatedMs += result.simulatedMs;
    steps += result.steps;
    if (result.violations.length > 0) failures.push({ seed, violations: result.violations, trace: result.trace });
  }
  return { failures, simulatedMs, steps };
}

function printFailure(failure: SeedFailure): void {
  console.log(`\nseed ${failure.seed}: ${failure.violations.length} violation(s)`);
  for (const violation of failure.violations) console.log(`  - ${violation}`);
  console.log(`  trace (last ${failure.trace.length} lines; replay: npm run test:sim -- --seed ${failure.seed}):`);
  for (const line of failure.trace) console.log(`    ${line}`);
}

async function shrink(seed: number): Promise<void> {
  const result = await fc.check(
    fc.asyncProperty(planArb, async (plan) => (await runPlan(plan)).violations.length === 0),
    { seed, numRuns: 1 },
  );
  if (!result.failed) {
    console.log('shrink: the plan passes when fast-check generates it');
    return;
  }
  console.log(`shrunk after ${result.numShrinks} steps to:\n${JSON.stringify(result.counterexample?.[0], null, 1)}`);
  const [plan] = result.counterexample ?? [];
  if (plan !== undefined) printFailure({ seed, ...(await runPlan(plan)) });
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '200' },
      from: { type: 'string', default: '1' },
      seed: { type: 'string' },
      shrink: { type: 'boolean', default: false },
      workers: { type: 'string', default: String(availableParallelism()) },
      save: { type: 'string' },
    },
  });
  if (values.seed !== undefined) {
    const seed = Number(values.seed);
    const result = await runPlan(planFor(seed));
    printFailure({ seed, ...result });
    if (values.shrink && result.violations.length > 0) await shrink(seed);
    if (values.save !== undefined) saveRegression({ seed, found: values.save, plan: planFor(seed) });
    return result.violations.length > 0 ? 1 : 0;
  }
  const count = Number(values.seeds);
  const from = Number(values.from);
  if (!Number.isInteger(count) || count < 0 || !Number.isInteger(from)) {
    console.error('test:sim: --seeds and --from take integers');
    return 2;
  }
  const regressionFailures: SeedFailure[] = [];
  for (const { seed, plan } of REGRESSIONS) {
    const result = await runPlan(plan);
    if (result.violations.length > 0)
      regressionFailures.push({ seed, violations: result.violations, trace: result.trace });
  }
  const seeds = Array.from({ length: count }, (_, i) => from + i);
  const workers = Math.max(1, Math.min(Number(values.workers), seeds.length));
  const began = performance.now();
  const slices = Array.from({ length: workers }, (_, w) => seeds.filter((_, i) => i % workers === w));
  const results = await Promise.all(
    slices.map(
      (slice) =>
        new Promise<Awaited<ReturnType<typeof runSeeds>>>((resolve, reject) => {
          const worker = new Worker(new URL(import.meta.url), { workerData: slice });
          worker.once('message', resolve);
          worker.once('error', reject);
        }),
    ),
  );
  const failures = [...regressionFailures, ...results.flatMap((r) => r.failures).sort((a, b) => a.seed - b.seed)];
  for (const failure of failures.slice(0, MAX_PRINTED)) printFailure(failure);
  if (failures.length > MAX_PRINTED) {
    console.log(
      `\n… and ${failures.length - MAX_PRINTED} more: ${failures
        .slice(MAX_PRINTED)
        .map((f) => f.seed)
        .join(' ')}`,
    );
  }
  const hours = results.reduce((sum, r) => sum + r.simulatedMs, 0) / 3_600_000;
  const seconds = ((performance.now() - began) / 1000).toFixed(1);
  console.log(
    `\nsimulation: ${REGRESSIONS.length} regression plans and seeds ${from}..${from + count - 1}, ` +
      `${hours.toFixed(1)} simulated hours, ${workers} worker(s), ${seconds} s`,
  );
  const runs = REGRESSIONS.length + seeds.length;
  console.log(`${runs - failures.length} passed, ${failures.length} failed`);
  return failures.length > 0 ? 1 : 0;
}

if (isMainThread) {
  process.exitCode = await main();
} else {
  parentPort?.postMessage(await runSeeds(workerData as number[]));
}
