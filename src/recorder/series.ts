/**
 * One series: an Event on the server and the occurrences counted for it. Its state is one `phase`
 * and the numbers `count` (occurrences accepted) and `written` (the count the server confirmed);
 * `pending` is their difference. Each transition is one method; the Recorder decides which to take.
 *
 *   idle ──request──▶ queued ──start──▶ writing ──succeed──▶ idle (pending 0) or next write
 *    │ ▲                ▲                  └──fail──▶ backoff ──(timer)──▶ queued
 *    ▼ │ (timer)        │                                  any phase ──abandon──▶ abandoned
 *   scheduled ──────────┘
 *
 * `written > 0` means the Event exists on the server, so the next write is a patch; before that it
 * is a create. A phase other than `idle` and `abandoned` always has `pending > 0` or a write on the wire.
 */
import type { Event } from '../types.ts';
import type { SeriesTarget } from './writer.ts';

export type SeriesPhase =
  /** Nothing to write. */
  | 'idle'
  /** A coalesced write is due at a timer. */
  | 'scheduled'
  /** The last write failed; the retry is due at a timer. */
  | 'backoff'
  /** Waiting for the write budget. */
  | 'queued'
  /** A request is on the wire. */
  | 'writing'
  /** Ended by a failure waiting cannot fix, or by close()'s deadline: its pending count was reported lost. */
  | 'abandoned';

/** How an awaited occurrence (the first two of a series) ended. */
export type WaitOutcome = 'created' | 'patched' | 'coalesced';

/** A publish() waiting for the write that carries occurrence `n`. */
export interface Waiter {
  readonly n: number;
  resolve(outcome: WaitOutcome): void;
  reject(error: Error): void;
}

export class Series implements SeriesTarget {
  readonly key: string;
  name: string;
  readonly namespace: string;
  readonly template: Event;
  phase: SeriesPhase = 'idle';
  count = 1;
  written = 0;
  lastOccurrenceMs: number;
  lastWriteMs: number;
  burstStartMs: number;
  /** Failed writes in a row (the retry backoff grows with it). */
  failures = 0;
  /** The scheduler's entry while `scheduled` or `backoff` (scheduler.ts); 0 otherwise. */
  timer = 0;
  /** Awaiting publishes that the next write (not started yet) will answer. */
  waiters: Waiter[] | undefined = undefined;
  /** Awaiting publishes that the write on the wire answers. */
  answering: Waiter[] | undefined = undefined;

  constructor(init: { key: string; name: string; namespace: string; template: Event; nowMs: number }) {
    this.key = init.key;
    this.name = init.name;
    this.namespace = init.namespace;
    this.template = init.template;
    this.lastOccurrenceMs = init.nowMs;
    this.lastWriteMs = init.nowMs;
    this.burstStartMs = init.nowMs;
  }

  /** Occurrences the server does not have yet. */
  get pending(): number {
    return this.count - this.written;
  }

  /** One more occurrence. A quiet series (nothing pending, silent for `minIntervalMs`) starts a new burst. */
  occur(nowMs: number, minIntervalMs: number): number {
    if (this.pending === 0 && nowMs - this.lastOccurrenceMs >= minIntervalMs) this.burstStartMs = nowMs;
    this.lastOccurrenceMs = nowMs;
    return ++this.count;
  }

  /** A publish waits for the next write; it is the one that carries occurrence `n`. */
  await(n: number): Promise<WaitOutcome> {
    return new Promise((resolve, reject) => (this.waiters ??= []).push({ n, resolve, reject }));
  }

  /** idle or running → a timer (`scheduled` for a coalesced write, `backoff` for a retry). */
  arm(phase: 'scheduled' | 'backoff', timer: number): void {
    this.phase = phase;
    this.timer = timer;
  }

  /** → queued; an armed timer no longer fires for it. */
  queue(): void {
    this.phase = 'queued';
    this.timer = 0;
  }

  /** queued → writing: returns the count to send; the waiting publishes are now answered by this write. */
  start(): number {
    this.phase = 'writing';
    this.answering = this.waiters;
    this.waiters = undefined;
    return this.count;
  }

  /** writing → idle: the server has `count`. Returns the publishes that write answers. */
  succeed(count: number, nowMs: number): Waiter[] {
    this.phase = 'idle';
    this.written = Math.max(this.written, count);
    this.lastWriteMs = nowMs;
    this.failures = 0;
    return this.#answered();
  }

  /** writing → idle, one failure more (the Recorder then arms a retry or abandons). Returns every waiting publish. */
  fail(): Waiter[] {
    this.phase = 'idle';
    this.failures += 1;
    const waiting = [...this.#answered(), ...(this.waiters ?? [])];
    this.waiters = undefined;
    return waiting;
  }

  /** any → abandoned (an armed timer no longer fires for it). Returns the occurrences lost and every waiting publish. */
  abandon(): { lost: number; waiting: Waiter[] } {
    const result = { lost: this.pending, waiting: [...this.#answered(), ...(this.waiters ?? [])] };
    this.phase = 'abandoned';
    this.timer = 0;
    this.waiters = undefined;
    return result;
  }

  #answered(): Waiter[] {
    const answered = this.answering ?? [];
    this.answering = undefined;
    return answered;
  }
}
