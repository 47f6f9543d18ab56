/**
 * A wall clock with nanosecond resolution: the system time, advanced by the monotonic
 * high-resolution timer between readings. `Date.now()` alone has millisecond resolution, finer
 * than which MicroTime and event names need.
 */
const RESYNC_THRESHOLD_MS = 1_000;

let anchorWallNanos = BigInt(Date.now()) * 1_000_000n;
let anchorMonotonic = process.hrtime.bigint();

/**
 * Unix time in nanoseconds. Follows the system clock: when it is stepped (NTP, suspend) by more
 * than a second, the clock re-anchors, so consecutive readings may then go backwards.
 */
export function wallClockNanos(): bigint {
  const nanos = anchorWallNanos + (process.hrtime.bigint() - anchorMonotonic);
  const nowMs = Date.now();
  if (Math.abs(Number(nanos / 1_000_000n) - nowMs) > RESYNC_THRESHOLD_MS) {
    anchorWallNanos = BigInt(nowMs) * 1_000_000n;
    anchorMonotonic = process.hrtime.bigint();
    return anchorWallNanos;
  }
  return nanos;
}

let anchorWallMs = Date.now();
let anchorPerfMs = performance.now();
let checkedPerfMs = anchorPerfMs;

/**
 * Unix time in milliseconds with a sub-millisecond fraction (microseconds are exact in a double
 * at this magnitude), cheap enough for every publish: the system clock is consulted at most once a
 * second to re-anchor like wallClockNanos.
 */
export function wallClockMs(): number {
  const perf = performance.now();
  if (perf - checkedPerfMs >= RESYNC_THRESHOLD_MS) {
    checkedPerfMs = perf;
    const nowMs = Date.now();
    if (Math.abs(anchorWallMs + (perf - anchorPerfMs) - nowMs) > RESYNC_THRESHOLD_MS) {
      anchorWallMs = nowMs;
      anchorPerfMs = perf;
    }
  }
  return anchorWallMs + (perf - anchorPerfMs);
}
