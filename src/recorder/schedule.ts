/**
 * When the next coalesced write of a firing series is due. Writes fall at burstStart + min·2^k
 * (1 s, 2 s, 4 s … after the burst began), at most `max` apart: a storm of N occurrences over T
 * costs O(log T) writes, and the server's count is never more than max(min, age/2, max) behind.
 */
export interface ScheduleInput {
  /** When the current burst began (the series' second occurrence, or the first after a quiet spell). */
  burstStartMs: number;
  /** The last write of this series. */
  lastWriteMs: number;
  nowMs: number;
  minIntervalMs: number;
  maxIntervalMs: number;
}

export function nextWriteDue({
  burstStartMs,
  lastWriteMs,
  nowMs,
  minIntervalMs,
  maxIntervalMs,
}: ScheduleInput): number {
  let offset = minIntervalMs;
  while (burstStartMs + offset <= lastWriteMs) offset *= 2;
  return Math.max(nowMs, Math.min(burstStartMs + offset, lastWriteMs + maxIntervalMs));
}

/**
 * A series is quiet when nothing was waiting to be written and its previous occurrence is older
 * than the shortest interval: the next occurrence then starts a new burst (the interval resets).
 */
export function isQuiet(input: {
  dirty: boolean;
  lastOccurrenceMs: number;
  nowMs: number;
  minIntervalMs: number;
}): boolean {
  return !input.dirty && input.nowMs - input.lastOccurrenceMs >= input.minIntervalMs;
}
