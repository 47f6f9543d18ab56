/**
 * What one simulation run does, as a fast-check arbitrary: the Recorder's limits, the simulated
 * apiserver's latency and faults, a workload of publishes, emits and flushes on a few keys, and a
 * close() at the end with a random deadline. A seed picks one plan; fast-check shrinks a failing one.
 */
import fc from 'fast-check';
import type { FaultWindow, SimServerConfig } from './sim-apiserver.ts';

export type SimOp =
  | { kind: 'publish' | 'emit'; atMs: number; object: number; reason: number; n: number }
  | { kind: 'flush'; atMs: number; timeoutMs: number };

export interface SimPlan {
  /** Seeds the run's own decisions (server latency and faults, retry jitter). */
  seed: number;
  durationMs: number;
  recorder: {
    maxSeries: number;
    maxPendingWrites: number;
    idleTimeoutMs: number;
    writeBudget: 'adaptive' | { maxWritesPerSecond: number } | false | { qps: number; burst: number };
  };
  server: SimServerConfig;
  ops: SimOp[];
  close: { afterMs: number; timeoutMs: number };
  /** The API the Recorder writes through: core/v1 is its `legacyFields` mode. */
  api: 'events.k8s.io' | 'core/v1';
}

const SECOND = 1_000;
const MINUTE = 60 * SECOND;

function windowArb(durationMs: number): fc.Arbitrary<FaultWindow[]> {
  const start = fc.integer({ min: 0, max: durationMs });
  const short = fc.integer({ min: SECOND, max: 30 * SECOND });
  const long = fc.integer({ min: 30 * SECOND, max: 10 * MINUTE });
  const length = fc.oneof({ weight: 3, arbitrary: short }, { weight: 1, arbitrary: long });
  const p = fc.constantFrom(0.3, 0.7, 1);
  const simple = fc
    .record({
      kind: fc.constantFrom('outage', 'throttle', 'errors', 'forbidden', 'reset-after-apply', 'timeouts' as const),
      startMs: start,
      length,
      p,
      retryAfterSeconds: fc.constantFrom(undefined, 1, 5),
    })
    .map(({ length: ms, ...w }) => [{ ...w, endMs: w.startMs + ms }]);
  // An apiserver restart: refused connections for a few seconds, then RBAC answers 403 for a moment.
  const restart = fc
    .record({
      startMs: start,
      downMs: fc.integer({ min: 500, max: 20 * SECOND }),
      spellMs: fc.integer({ min: 200, max: 3 * SECOND }),
    })
    .map(({ startMs, downMs, spellMs }) => [
      { kind: 'outage' as const, startMs, endMs: startMs + downMs, p: 1 },
      { kind: 'forbidden' as const, startMs: startMs + downMs, endMs: startMs + downMs + spellMs, p: 1 },
    ]);
  return fc.oneof({ weight: 4, arbitrary: simple }, { weight: 1, arbitrary: restart });
}

function opArb(durationMs: number): fc.Arbitrary<SimOp> {
  const atMs = fc.integer({ min: 0, max: durationMs });
  const occurrence = fc.record({
    kind: fc.constantFrom('publish', 'emit' as const),
    atMs,
    object: fc.integer({ min: 0, max: 7 }),
    reason: fc.integer({ min: 0, max: 1 }),
    n: fc.oneof({ weight: 4, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 2, max: 40 }) }),
  });
  const flush = fc.record({
    kind: fc.constant('flush' as const),
    atMs,
    timeoutMs: fc.integer({ min: 0, max: 30 * SECOND }),
  });
  return fc.oneof({ weight: 8, arbitrary: occurrence }, { weight: 1, arbitrary: flush });
}

/** Drawn after the rest of a plan, so that a seed's plan (and REGRESSION_SEEDS) kept every earlier value. */
const apiArb = fc.constantFrom('events.k8s.io' as const, 'core/v1' as const);

export const planArb: fc.Arbitrary<SimPlan> = fc
  .record({
    seed: fc.integer(),
    durationMs: fc.oneof(
      { weight: 3, arbitrary: fc.integer({ min: 2 * SECOND, max: MINUTE }) },
      { weight: 1, arbitrary: fc.integer({ min: MINUTE, max: 15 * MINUTE }) },
    ),
  })
  .chain(({ seed, durationMs }) =>
    fc.record({
      seed: fc.constant(seed),
      durationMs: fc.constant(durationMs),
      recorder: fc.record({
        maxSeries: fc.integer({ min: 1, max: 16 }),
        maxPendingWrites: fc.integer({ min: 1, max: 50 }),
        idleTimeoutMs: fc.integer({ min: 2 * SECOND, max: 6 * MINUTE }),
        writeBudget: fc.oneof(
          fc.constant('adaptive' as const),
          fc.record({ maxWritesPerSecond: fc.integer({ min: 1, max: 50 }) }),
          fc.constant(false as const),
          fc.record({ qps: fc.integer({ min: 1, max: 50 }), burst: fc.integer({ min: 1, max: 20 }) }),
        ),
      }),
      server: fc.record({
        ttlMs: fc.constantFrom(60 * MINUTE, 2 * MINUTE, 20 * SECOND),
        latencyMs: fc.record({ min: fc.integer({ min: 0, max: 20 }), max: fc.integer({ min: 20, max: 2_000 }) }),
        windows: fc.array(windowArb(durationMs), { maxLength: 4 }).map((lists) => lists.flat()),
        backgroundFaultP: fc.constantFrom(0, 0.02, 0.1, 0.3),
        collisionP: fc.constantFrom(0, 0, 0.05),
        foreignDeletesMs: fc
          .array(fc.integer({ min: 0, max: durationMs }), { maxLength: 3 })
          .map((times) => times.sort((a, b) => a - b)),
      }),
      ops: fc
        .array(opArb(durationMs), { minLength: 1, maxLength: 50 })
        .map((ops) => ops.sort((a, b) => a.atMs - b.atMs)),
      close: fc.record({
        afterMs: fc.integer({ min: 0, max: 2 * MINUTE }),
        timeoutMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 30 * SECOND })),
      }),
    }),
  )
  .chain((plan) => apiArb.map((api) => ({ ...plan, api })));

/** The plan a seed stands for: `--seed S` replays exactly this. */
export function planFor(seed: number): SimPlan {
  const [plan] = fc.sample(planArb, { seed, numRuns: 1 });
  if (plan === undefined) throw new Error(`no plan for seed ${seed}`);
  return plan;
}
