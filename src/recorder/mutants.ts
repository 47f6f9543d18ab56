/**
 * Two deliberate bugs the fault simulation switches on, one at a time, to prove that its liveness
 * invariants catch them (test/sim/mutants.test.ts). Both are `false` everywhere else; nothing in
 * the package sets them. A check that passes when the code under it is broken has no teeth: these
 * keep the simulation's teeth tested.
 * @example
 * ```ts
 * // test/sim only:
 * MUTANTS.neverRetry = true;
 * ```
 */
export const MUTANTS = {
  /** A failed write that waiting can fix is never retried (its count waits for the next occurrence or close()). */
  neverRetry: false,
  /** A series evicted from the LRU with a write scheduled waits for that timer instead of writing at once. */
  evictedWaitsForTimer: false,
};
