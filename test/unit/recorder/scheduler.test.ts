import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/recorder/clock.ts';
import { Scheduler, SLOT_MS } from '../../../src/recorder/scheduler.ts';
import { Series } from '../../../src/recorder/series.ts';
import { sampleEvent } from '../../helpers/fixtures.ts';

function setup() {
  const clock = new ManualClock();
  const due: { name: string; at: number }[] = [];
  const scheduler = new Scheduler({
    clock,
    minWriteIntervalMs: 1_000,
    maxWriteIntervalMs: 60_000,
    due: (series) => {
      series.queue();
      due.push({ name: series.name, at: clock.now() });
    },
  });
  const series = (name: string) =>
    new Series({ key: name, name, namespace: 'default', template: sampleEvent(), nowMs: clock.now() });
  return { clock, due, scheduler, series };
}

describe('Scheduler', () => {
  it('arms one clock timer per slot however many series are due in it, each series once', () => {
    const { clock, due, scheduler, series } = setup();
    const start = clock.now();
    for (let i = 0; i < 1_000; i++) scheduler.retry(series(`s${i}`), 100 + (i % SLOT_MS));
    expect(clock.pendingTimers).toBeLessThanOrEqual(2);
    clock.advance(200);
    expect(due).toHaveLength(1_000);
    expect(new Set(due.map((d) => d.name)).size).toBe(1_000);
    // Never early, and at most one slot late.
    for (const { at } of due) expect(at - start).toBeGreaterThanOrEqual(100);
    for (const { at } of due) expect(at - start).toBeLessThan(100 + 2 * SLOT_MS);
  });

  it('skips a series queued, re-armed or abandoned after it was armed', () => {
    const { clock, due, scheduler, series } = setup();
    const [queued, rearmed, abandoned, kept] = [
      series('queued'),
      series('rearmed'),
      series('abandoned'),
      series('kept'),
    ];
    for (const s of [queued, rearmed, abandoned, kept]) scheduler.retry(s, 500);
    queued.queue();
    scheduler.retry(rearmed, 2_000);
    abandoned.abandon();
    clock.advance(1_000);
    expect(due.map((d) => d.name)).toEqual(['kept']);
    clock.advance(1_100);
    expect(due.map((d) => d.name)).toEqual(['kept', 'rearmed']);
  });

  it('stop() leaves no timer behind', () => {
    const { clock, due, scheduler, series } = setup();
    scheduler.retry(series('a'), 300);
    scheduler.retry(series('b'), 5_000);
    expect(clock.pendingTimers).toBe(2);
    scheduler.stop();
    expect(clock.pendingTimers).toBe(0);
    clock.advance(10_000);
    expect(due).toHaveLength(0);
  });
});
