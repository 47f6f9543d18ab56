/** The Recorder's only source of time and timers, injectable for tests. */
import type { MicroTime } from '../types.ts';
import { wallClockMs } from '../util/clock.ts';
import { formatMicroTime } from '../micro-time.ts';

/** `now()` as a MicroTime: epoch ms with a microsecond fraction, formatted with exactly six digits. */
export function microTimeAt(epochMs: number): MicroTime {
  return formatMicroTime(BigInt(Math.round(epochMs * 1000)) * 1000n);
}

export interface RecorderClock {
  /** Unix time in ms, with a sub-millisecond fraction when the clock has one. */
  now(): number;
  /** The current time as a MicroTime. */
  microTime(): MicroTime;
  /**
   * Schedules `fn`. Timers must not keep the process alive, except with `keepAlive` (flush() and
   * close() set it on their deadline, so a process awaiting them does not exit first).
   */
  setTimeout(fn: () => void, ms: number, options?: { keepAlive?: boolean }): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemRecorderClock: RecorderClock = {
  now: wallClockMs,
  microTime: () => microTimeAt(wallClockMs()),
  setTimeout: (fn, ms, options) => {
    const timer = setTimeout(fn, ms);
    return options?.keepAlive === true ? timer : timer.unref();
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** A clock driven by `advance(ms)`, for tests (the Recorder's and users'). */
export class ManualClock implements RecorderClock {
  #now: number;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #nextId = 1;

  constructor(startMs = Date.UTC(2026, 10, 25, 12, 0, 0)) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  microTime(): MicroTime {
    return microTimeAt(this.#now);
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Timers that are due at or before now + ms run in time order; the clock ends at now + ms. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.#timers)
        if (entry[1].at <= end && (next === undefined || entry[1].at < next[1].at)) next = entry;
      if (next === undefined) break;
      this.#timers.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].at);
      next[1].fn();
    }
    this.#now = end;
  }

  /** When the earliest timer is due, or undefined when none is armed: step a simulation timer by timer. */
  get nextTimerAt(): number | undefined {
    let at: number | undefined;
    for (const timer of this.#timers.values()) if (at === undefined || timer.at < at) at = timer.at;
    return at;
  }

  get pendingTimers(): number {
    return this.#timers.size;
  }
}
