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

/**
 * Unix time in milliseconds with a sub-millisecond fraction (microseconds are exact in a double
 * at this magnitude), cheap enough for every publish. Re-anchors like wallClockNanos.
 */
export function wallClockMs(): number {
  const ms = anchorWallMs + (performance.now() - anchorPerfMs);
  const nowMs = Date.now();
  if (Math.abs(ms - nowMs) > RESYNC_THRESHOLD_MS) {
    anchorWallMs = nowMs;
    anchorPerfMs = performance.now();
    return nowMs;
  }
  return ms;
}
