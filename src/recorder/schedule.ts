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

/** Retry waits: RETRY_BASE_MS · 2^(failures−1), at most RETRY_MAX_MS; while flush()/close() drain, a shorter ladder. */
export const RETRY_BASE_MS = 500;
export const RETRY_MAX_MS = 30_000;
export const DRAIN_RETRY_BASE_MS = 100;
export const DRAIN_RETRY_MAX_MS = 1_000;

/**
 * The wait before retrying a failed write: exponential in the failures so far, never below what the
 * server asked for (Retry-After), with jitter in [½, 1] of the step so that series failing together
 * (an outage) do not retry together. `random` is in [0, 1).
 */
export function retryDelay(input: {
  failures: number;
  draining: boolean;
  retryAfterMs: number | undefined;
  random: number;
}): number {
  const base = input.draining ? DRAIN_RETRY_BASE_MS : RETRY_BASE_MS;
  const cap = input.draining ? DRAIN_RETRY_MAX_MS : RETRY_MAX_MS;
  const step = Math.min(cap, base * 2 ** Math.max(0, input.failures - 1));
  return Math.max(input.retryAfterMs ?? 0, Math.round(step * (0.5 + input.random / 2)));
}
