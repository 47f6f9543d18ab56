/**
 * The timers of series: the next coalesced write of a firing series (schedule.ts decides when) and
 * the retry of a failed one. A due timer hands the series to `due` (the write queue).
 *
 * Due times are rounded up to a slot of SLOT_MS, and each slot is one clock timer for all the
 * series due in it. A timer per series cost more than the rest of an emit once many series fire
 * (100,000 series, each met again after its last write: emit 3–4 µs, of which arming its own
 * timer was 1.4 µs; bench/publish-hot-path.ts), and held a Timeout object per series. A series
 * carries the number of its slot entry; queueing or abandoning it clears that number, and the slot
 * then skips it, so cancelling costs nothing.
 */
import type { RecorderClock } from './clock.ts';
import { nextWriteDue } from './schedule.ts';
import type { Series } from './series.ts';

/** Granularity of write and retry timers: writes are ≥ 1 s apart and retries ≥ 100 ms away, so 50 ms is noise. */
export const SLOT_MS = 50;

export interface SchedulerDeps {
  clock: RecorderClock;
  minWriteIntervalMs: number;
  maxWriteIntervalMs: number;
  due(series: Series): void;
}

export class Scheduler {
  readonly #deps: SchedulerDeps;
  /** Slot end (clock ms) → the series armed in it and the entry number each was armed with. */
  readonly #slots = new Map<number, { series: Series[]; entries: number[]; timer: unknown }>();
  #nextEntry = 1;

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
    else this.#arm(series, 'scheduled', due);
  }

  /** Arms the retry of a failed write. */
  retry(series: Series, delayMs: number): void {
    this.#arm(series, 'backoff', this.#deps.clock.now() + delayMs);
  }

  #arm(series: Series, phase: 'scheduled' | 'backoff', dueMs: number): void {
    const slotEnd = Math.ceil(dueMs / SLOT_MS) * SLOT_MS;
    let slot = this.#slots.get(slotEnd);
    if (slot === undefined) {
      const timer = this.#deps.clock.setTimeout(() => this.#fire(slotEnd), slotEnd - this.#deps.clock.now());
      slot = { series: [], entries: [], timer };
      this.#slots.set(slotEnd, slot);
    }
    const entry = this.#nextEntry++;
    slot.series.push(series);
    slot.entries.push(entry);
    series.arm(phase, entry);
  }

  /** Clears every slot's timer (close(): nothing is due any more). */
  stop(): void {
    for (const slot of this.#slots.values()) this.#deps.clock.clearTimeout(slot.timer);
    this.#slots.clear();
  }

  #fire(slotEnd: number): void {
    const slot = this.#slots.get(slotEnd);
    this.#slots.delete(slotEnd);
    if (slot === undefined) return;
    for (let i = 0; i < slot.series.length; i++) {
      const series = slot.series[i] as Series;
      // Still armed with this entry: not queued, re-armed or abandoned since.
      if (series.timer === slot.entries[i]) this.#deps.due(series);
    }
  }
}
