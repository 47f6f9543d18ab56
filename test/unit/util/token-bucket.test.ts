import { describe, expect, it } from 'vitest';
import { TokenBucket, type BucketClock } from '../../../src/util/token-bucket.ts';

/** A clock whose sleeps complete instantly by advancing time. */
function manualClock(): BucketClock & { time: number; slept: number[] } {
  const clock = {
    time: 0,
    slept: [] as number[],
    now: () => clock.time,
    sleep: (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
      clock.slept.push(ms);
      clock.time += ms;
      return Promise.resolve();
    },
  };
  return clock;
}

describe('TokenBucket', () => {
  it('lets a burst through, then spaces requests at the QPS', async () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ qps: 5, burst: 10 }, clock);
    for (let i = 0; i < 10; i++) await bucket.take();
    expect(clock.time).toBe(0);
    for (let i = 0; i < 5; i++) await bucket.take();
    expect(clock.time).toBeCloseTo(1000, 6);
    expect(clock.slept.every((ms) => Math.abs(ms - 200) < 1e-6)).toBe(true);
  });

  it('refills while idle, never above the burst', async () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ qps: 2, burst: 3 }, clock);
    for (let i = 0; i < 3; i++) await bucket.take();
    clock.time += 60_000;
    for (let i = 0; i < 3; i++) await bucket.take();
    expect(clock.slept).toEqual([]);
    await bucket.take();
    expect(clock.slept).toHaveLength(1);
    expect(clock.slept[0]).toBeCloseTo(500, 6);
  });

  it('serves concurrent waiters in order', async () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ qps: 10, burst: 1 }, clock);
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3].map((i) => bucket.take().then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3]);
    expect(clock.time).toBeCloseTo(300, 6);
  });

  it('an aborted waiter rejects and does not block the next', async () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ qps: 1, burst: 1 }, clock);
    await bucket.take();
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(bucket.take(controller.signal)).rejects.toThrow('stop');
    await expect(bucket.take()).resolves.toBeUndefined();
  });

  it('setRate changes the spacing from now on and keeps earned tokens up to the new burst', async () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ qps: 1, burst: 2 }, clock);
    await bucket.take();
    await bucket.take();
    await bucket.take();
    expect(clock.slept).toEqual([1000]);
    bucket.setRate({ qps: 100, burst: 1 });
    await bucket.take();
    expect(clock.slept[1]).toBeCloseTo(10, 6);
    expect(() => bucket.setRate({ qps: 0, burst: 1 })).toThrow(RangeError);
  });

  it('lift() lets every later take() through at once', async () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ qps: 1, burst: 1 }, clock);
    await bucket.take();
    bucket.lift();
    for (let i = 0; i < 5; i++) await bucket.take();
    expect(clock.slept).toEqual([]);
  });

  it('rejects invalid settings', () => {
    expect(() => new TokenBucket({ qps: 0, burst: 10 })).toThrow(/qps > 0/);
    expect(() => new TokenBucket({ qps: 5, burst: 0 })).toThrow(RangeError);
  });
});
