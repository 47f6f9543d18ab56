/**
 * Plans that once broke the accounting invariant or the Recorder's bounds, with what they found.
 * Every simulation run replays them first; a plan stays here for good. They are stored whole
 * (regressions.json), so they replay exactly even after plan.ts's arbitrary changes what a seed draws.
 * To add one: `npm run test:sim -- --seed S --save "what it found"`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { SimPlan } from './plan.ts';

export interface Regression {
  /** The seed that drew the plan, when it was found. */
  seed: number;
  found: string;
  plan: SimPlan;
}

const FILE = new URL('./regressions.json', import.meta.url);

export const REGRESSIONS: Regression[] = JSON.parse(readFileSync(FILE, 'utf8')) as Regression[];

/** Appends a regression to regressions.json. */
export function saveRegression(regression: Regression): void {
  writeFileSync(FILE, `${JSON.stringify([...REGRESSIONS, regression], null, 2)}\n`);
}
