/**
 * The timers of series: the next coalesced write of a firing series (schedule.ts decides when) and
 * the retry of a failed one. A due timer hands the series to `due` (the write queue).
 */
import type { RecorderClock } from './clock.ts';
import { nextWriteDue } from './schedule.ts';
import type { Series } from './series.ts';

export interface SchedulerDeps {
  clock: RecorderClock;
  minWriteIntervalMs: number;
  maxWriteIntervalMs: number;
  due(series: Series): void;
}

export class Scheduler {
  readonly #deps: SchedulerDeps;

  constructor(deps: SchedulerDeps) {
    this.#deps = deps;
  }

  /** Arms the next coalesced write of an idle series with pending occurrences (at once when already due). */
  coalesce(series: Series, nowMs: number): void {
    const due = nextWriteDue({
      burstStartMs: series.burstStartMs,
      lastWriteMs: series.lastWriteMs,
      nowMs,
      minIntervalMs: this.#deps.minWriteIntervalMs,
      maxIntervalMs: this.#deps.maxWriteIntervalMs,
    });
    if (due <= nowMs) this.#deps.due(series);
    else this.#arm(series, 'scheduled', due - nowMs);
  }

  /** Arms the retry of a failed write. */
  retry(series: Series, delayMs: number): void {
    this.#arm(series, 'backoff', delayMs);
  }

  /** Cancels a timer the series no longer needs. */
  cancel(timer: unknown): void {
    if (timer !== undefined) this.#deps.clock.clearTimeout(timer);
  }

  #arm(series: Series, phase: 'scheduled' | 'backoff', delayMs: number): void {
    const timer = this.#deps.clock.setTimeout(() => {
      if (series.timer === timer) this.#deps.due(series);
    }, delayMs);
    series.arm(phase, timer);
  }
}
