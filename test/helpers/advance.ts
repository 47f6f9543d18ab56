/**
 * Moves a ManualClock forward timer by timer, letting every runnable promise callback run after
 * each one (one macrotask turn drains them), so code whose only waits are on that clock behaves as
 * it would in real time: a response due at t+5 ms arrives before a retry due at t+500 ms is armed.
 */
import type { ManualClock } from '../../src/recorder/clock.ts';
import { quiesce } from './memory-sink.ts';

/** Advances to `clock.now() + ms`; returns the number of timers that ran. */
export async function advance(clock: ManualClock, ms: number): Promise<number> {
  const end = clock.now() + ms;
  let steps = 0;
  await quiesce();
  for (let next = clock.nextTimerAt; next !== undefined && next <= end; next = clock.nextTimerAt) {
    clock.advance(next - clock.now());
    await quiesce();
    steps += 1;
  }
  clock.advance(Math.max(0, end - clock.now()));
  await quiesce();
  return steps;
}

/** Advances until `promise` settles (timer by timer) and returns how long that took on the clock. */
export async function advanceUntil<T>(clock: ManualClock, promise: Promise<T>): Promise<{ value: T; tookMs: number }> {
  const start = clock.now();
  let settled: { value: T } | undefined;
  let failure: { error: unknown } | undefined;
  promise.then(
    (value) => (settled = { value }),
    (error: unknown) => (failure = { error }),
  );
  await quiesce();
  while (settled === undefined && failure === undefined) {
    const next = clock.nextTimerAt;
    if (next === undefined) throw new Error('the promise is pending with no timer left to settle it');
    clock.advance(next - clock.now());
    await quiesce();
  }
  if (failure !== undefined) throw failure.error;
  return { value: (settled as { value: T }).value, tookMs: clock.now() - start };
}
