/**
 * The fault simulation inside `npm test`: the regression seeds, then plans drawn by fast-check
 * (shrunk to a minimal plan on failure). `npm run test:sim -- --seeds N` runs many more.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { planArb, planFor } from '../../sim/plan.ts';
import { REGRESSIONS } from '../../sim/regressions.ts';
import { runPlan } from '../../sim/run.ts';

describe('Recorder under simulated faults', () => {
  it.each(REGRESSIONS)('regression (seed $seed): $found', async ({ plan }) => {
    const result = await runPlan(plan);
    expect(result.violations, result.trace.join('\n')).toEqual([]);
  });

  test.prop([planArb], { numRuns: 300 })(
    'every accepted occurrence ends on the server or reported lost',
    async (plan) => {
      const result = await runPlan(plan);
      expect(result.violations, result.trace.join('\n')).toEqual([]);
    },
  );

  it('a plan replays exactly from its seed', async () => {
    const [a, b] = [await runPlan(planFor(42)), await runPlan(planFor(42))];
    const names = (trace: string[]) => trace.map((line) => line.replace(/\.[0-9a-f]{16}/g, '.<name>'));
    expect(names(a.trace)).toEqual(names(b.trace));
    expect(a.steps).toBe(b.steps);
    expect(fc.sample(planArb, { seed: 42, numRuns: 1 })).toEqual([planFor(42)]);
  });
});
