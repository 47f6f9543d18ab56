/** Pure arithmetic of bench:peers: staleness from the server's samples, medians and ranges. */

/** The server's count at one moment. */
export interface CountSample {
  /** Unix ms when the read returned. */
  at: number;
  count: number;
}

/** A figure over several runs. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

/**
 * How many publishes a storm peer had made by `at`: publish `i` is due at `startedAt + i * step`,
 * and peers keep to that schedule (their `maxLagMs` says how well).
 */
export function dueBy(at: number, startedAt: number, publishes: number, durationMs: number): number {
  if (at < startedAt) return 0;
  const step = durationMs / publishes;
  return Math.min(publishes, Math.floor((at - startedAt) / step) + 1);
}

/** How far behind the true count the server's count was: max and mean over the samples. */
export function staleness(
  samples: readonly CountSample[],
  storm: { startedAt: number; publishes: number; durationMs: number },
): { max: number; mean: number } {
  const behind = samples
    .filter((sample) => sample.at >= storm.startedAt)
    .map((sample) => Math.max(0, dueBy(sample.at, storm.startedAt, storm.publishes, storm.durationMs) - sample.count));
  if (behind.length === 0) return { max: 0, mean: 0 };
  return { max: Math.max(...behind), mean: behind.reduce((sum, value) => sum + value, 0) / behind.length };
}

/** Median (mean of the middle two for an even count), min and max; throws on no runs. */
export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new RangeError('spread of no runs');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  return { median, min: sorted[0] ?? 0, max: sorted[sorted.length - 1] ?? 0, runs: [...values] };
}

/**
 * A faults run ends this long after the storm's last publish was due: a recorder whose publish
 * waits out every Retry-After (kube-rs: 1 s per tenth publish) would otherwise take 1,000 s more.
 */
export const FAULTS_OVERRUN_MS = 30_000;

/** The writes of a faults run that get 429: every tenth, starting with the second (so even a peer that writes twice meets one). */
export function throttledWrite(nthWrite: number): boolean {
  return nthWrite % 10 === 2;
}

/** When the faults scenario resets every connection: five moments spread over the storm. */
export function resetOffsetsMs(durationMs: number): number[] {
  return [1, 3, 5, 7, 9].map((twelfth) => Math.round((durationMs * twelfth) / 12));
}
