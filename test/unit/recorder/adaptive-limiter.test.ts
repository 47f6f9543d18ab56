import { describe, expect, it } from 'vitest';
import { ApiError, NetworkError, RecorderClosedError, TimeoutError, ValidationError } from '../../../src/errors.ts';
import { AdaptiveLimiter, type Permit, type WriteResult } from '../../../src/recorder/adaptive-limiter.ts';
import {
  DEFAULT_INITIAL_CONCURRENCY,
  resolveAdaptiveLimiterOptions,
} from '../../../src/recorder/adaptive-limiter-options.ts';
import { initialLimitState, nextLimitState, type LimitState } from '../../../src/recorder/adaptive-limit.ts';
import { ManualClock } from '../../../src/recorder/clock.ts';
import { RateCeiling } from '../../../src/recorder/rate-ceiling.ts';
import { writeOutcome } from '../../../src/recorder/write-outcome.ts';
import { drive, meanOver, SimulatedApiserver } from './simulated-apiserver.ts';

const HEALTHY = 40;
const THROTTLED = 5;

function setup(options: ConstructorParameters<typeof AdaptiveLimiter>[0] = {}) {
  const clock = new ManualClock();
  const limiter = new AdaptiveLimiter(options, { clock });
  return { clock, limiter, start: clock.now() };
}

describe('AdaptiveLimiter against a server whose capacity changes', () => {
  it.each([
    ['429 without Retry-After', undefined],
    ['429 with Retry-After: 1', 1000],
  ])('healthy, then throttling (%s), then healthy again', async (_name, retryAfterMs) => {
    const { clock, limiter, start } = setup();
    const server = new SimulatedApiserver(clock, { capacity: HEALTHY });
    const trace = await drive({
      clock,
      limiter,
      server,
      writers: 300,
      durationMs: 30_000,
      onStep: (elapsed) => {
        if (elapsed === 10_000) server.phase = { capacity: THROTTLED, retryAfterMs };
        if (elapsed === 20_000) server.phase = { capacity: HEALTHY };
      },
    });
    const at = (seconds: number) => start + seconds * 1000;
    const report = (from: number, to: number) => ({
      limit: meanOver(trace, at(from), at(to), (t) => t.limit),
      serving: meanOver(trace, at(from), at(to), (t) => t.serving),
      throttled: server.throttledShare(at(from), at(to)),
    });
    const [healthy, throttled, recovered] = [report(5, 10), report(15, 20), report(25, 30)];
    console.log(`retryAfter=${retryAfterMs ?? 'none'}`, { healthy, throttled, recovered });
    // Healthy: it found (most of) the capacity within seconds, not a fixed budget's crawl.
    expect(healthy.serving).toBeGreaterThan(0.6 * HEALTHY);
    expect(healthy.throttled).toBeLessThan(0.05);
    // Throttling: near the new capacity, and 429s stay a small share (no storm).
    expect(throttled.limit).toBeLessThanOrEqual(2 * THROTTLED);
    expect(throttled.throttled).toBeLessThan(0.1);
    if (retryAfterMs === undefined) {
      expect(throttled.serving).toBeGreaterThan(0.5 * THROTTLED);
    } else {
      // Every 429 pauses all writes for its Retry-After: a few 429s per second at most, yet progress.
      const refused = server.answers.filter((a) => a.at >= at(15) && a.at < at(20) && a.outcome === 'throttled');
      expect(refused.length).toBeLessThanOrEqual(3 * 5);
      expect(server.served(at(10), at(20))).toBeGreaterThan(50);
    }
    // Recovered: back near the healthy capacity once throttling ended.
    expect(recovered.serving).toBeGreaterThan(0.6 * HEALTHY);
    expect(recovered.throttled).toBeLessThan(0.05);
    expect(server.throttledShare(start, at(30))).toBeLessThan(0.05);
  });

  it('settles near a rate limit (EventRateLimit-like token bucket) with few 429s', async () => {
    const { clock, limiter, start } = setup();
    const server = new SimulatedApiserver(clock, { capacity: 1000, ratePerSecond: 100 });
    await drive({ clock, limiter, server, writers: 200, durationMs: 20_000 });
    const perSecond = server.served(start + 5_000, start + 20_000) / 15;
    const share = server.throttledShare(start + 5_000, start + 20_000);
    console.log({ perSecond, share });
    expect(perSecond).toBeGreaterThan(70);
    expect(perSecond).toBeLessThanOrEqual(101);
    expect(share).toBeLessThan(0.15);
  });

  it('shrinks on latency alone when the server queues instead of refusing', async () => {
    const { clock, limiter, start } = setup({ latencySlackMs: 10 });
    const server = new SimulatedApiserver(clock, { capacity: 10, queue: true });
    const trace = await drive({ clock, limiter, server, writers: 300, durationMs: 10_000 });
    const limit = meanOver(trace, start + 5_000, start + 10_000, (t) => t.limit);
    expect(server.throttledShare(start, start + 10_000)).toBe(0);
    // Without the latency guard the limit would climb to maxConcurrency (64) with every write queued.
    expect(limit).toBeLessThan(30);
    expect(meanOver(trace, start + 5_000, start + 10_000, (t) => t.serving)).toBeGreaterThan(8);
  });

  it('keeps at least one write in flight against a server that refuses everything', async () => {
    const { clock, limiter } = setup();
    const server = new SimulatedApiserver(clock, { capacity: 0 });
    const trace = await drive({ clock, limiter, server, writers: 50, durationMs: 5_000 });
    expect(Math.min(...trace.map((t) => t.limit))).toBe(1);
    // Never stalls: writes kept being tried to the end.
    expect(server.answers.filter((a) => a.at >= clock.now() - 1_000).length).toBeGreaterThan(100);
  });

  it('never starts more writes than maxWritesPerSecond (+ burst), nor more at once than maxConcurrency', async () => {
    const { clock, limiter, start } = setup({ maxWritesPerSecond: 50, maxConcurrency: 8 });
    const server = new SimulatedApiserver(clock, { capacity: 1000 });
    const trace = await drive({ clock, limiter, server, writers: 100, durationMs: 10_000 });
    const granted = limiter.stats().granted;
    expect(granted).toBeLessThanOrEqual(50 * 10 + 50);
    expect(granted).toBeGreaterThan(450);
    expect(Math.max(...trace.map((t) => t.inFlight))).toBeLessThanOrEqual(8);
    expect(server.served(start, start + 10_500)).toBe(granted);
  });
});

describe('AdaptiveLimiter mechanics', () => {
  const ok = { outcome: 'ok' as const, latencyMs: 10 };

  it('serves waiters first come, first served', async () => {
    const { limiter } = setup({ initialConcurrency: 1, maxConcurrency: 1 });
    const order: number[] = [];
    const first = await limiter.acquire();
    const rest = [1, 2, 3].map((i) =>
      limiter.acquire().then((permit) => {
        order.push(i);
        return permit;
      }),
    );
    expect(limiter.waiting).toBe(3);
    first.release(ok);
    (await rest[0]!).release(ok);
    (await rest[1]!).release(ok);
    (await rest[2]!).release(ok);
    await limiter.onIdle();
    expect(order).toEqual([1, 2, 3]);
    expect(limiter.inFlight).toBe(0);
  });

  it('a Retry-After pauses every write until then; release is idempotent', async () => {
    const { clock, limiter } = setup({ initialConcurrency: 4 });
    const permits = await Promise.all([limiter.acquire(), limiter.acquire()]);
    permits[0].release({ outcome: 'throttled', latencyMs: 5, retryAfterMs: 2_000 });
    permits[0].release({ outcome: 'throttled', latencyMs: 5, retryAfterMs: 60_000 });
    expect(limiter.pausedUntil).toBe(clock.now() + 2_000);
    const next = limiter.acquire();
    clock.advance(1_999);
    // Grants are synchronous bookkeeping: the counters say whether the pause still holds.
    expect([limiter.waiting, limiter.inFlight]).toEqual([1, 1]);
    clock.advance(1);
    expect([limiter.waiting, limiter.inFlight]).toEqual([0, 2]);
    (await next).release(ok);
    permits[1].release(ok);
    await limiter.onIdle();
    expect(limiter.stats()).toMatchObject({ pauses: 1, granted: 3, decreases: 1 });
  });

  it('caps a pause at maxPauseMs', () => {
    const { clock, limiter } = setup({ maxPauseMs: 5_000 });
    limiter.pauseUntil(clock.now() + 3_600_000);
    expect(limiter.pausedUntil).toBe(clock.now() + 5_000);
  });

  it('halves once per round trip, not once per 429 of the same window', async () => {
    const { limiter } = setup({ initialConcurrency: 16 });
    const permits = await Promise.all(Array.from({ length: 16 }, () => limiter.acquire()));
    for (const permit of permits) permit.release({ outcome: 'throttled', latencyMs: 1 });
    expect(limiter.limit).toBe(8);
    const again = await limiter.acquire();
    again.release({ outcome: 'overloaded', latencyMs: 1 });
    expect(limiter.limit).toBe(4);
    const failed = await limiter.acquire();
    failed.release({ outcome: 'failed', latencyMs: 1 });
    expect(limiter.limit).toBe(4);
  });

  it('close() rejects every waiter and later acquire(); abort removes one waiter', async () => {
    const { limiter } = setup({ initialConcurrency: 1, maxConcurrency: 1 });
    const held: Permit = await limiter.acquire();
    const controller = new AbortController();
    const aborted = limiter.acquire(controller.signal);
    const waiters = [limiter.acquire(), limiter.acquire()];
    controller.abort(new Error('stop waiting'));
    await expect(aborted).rejects.toThrow('stop waiting');
    expect(limiter.waiting).toBe(2);
    limiter.close();
    await Promise.all(waiters.map((w) => expect(w).rejects.toBeInstanceOf(RecorderClosedError)));
    await expect(limiter.acquire()).rejects.toBeInstanceOf(RecorderClosedError);
    const idle = limiter.onIdle();
    held.release(ok);
    await idle;
    expect(limiter.inFlight).toBe(0);
  });
});

describe('nextLimitState', () => {
  const tuning = resolveAdaptiveLimiterOptions();
  const ok = (state: LimitState): LimitState =>
    nextLimitState(
      state,
      { outcome: 'ok', latencyMs: 10, epoch: state.epoch, inFlight: Math.floor(state.limit), waiting: 100, nowMs: 0 },
      tuning,
    );
  /** ok samples until the limit reaches `target`. */
  const samplesUntil = (state: LimitState, target: number): [number, LimitState] => {
    let count = 0;
    for (; state.limit < target; count++) state = ok(state);
    return [count, state];
  };

  it('slow start doubles per round trip; after a 429 it halves, then creeps back, slowest near the old limit', () => {
    let state = initialLimitState(4, 0);
    [, state] = samplesUntil(state, 16);
    state = nextLimitState(
      state,
      { outcome: 'throttled', latencyMs: 1, epoch: state.epoch, inFlight: 16, waiting: 100, nowMs: 0 },
      tuning,
    );
    expect(state.limit).toBe(8);
    const [far] = samplesUntil({ ...state }, 9);
    const [, nearState] = samplesUntil(state, 15);
    const [near] = samplesUntil(nearState, 16);
    // 8 → 9 takes about 8 writes (one round trip); 15 → 16, next to the 16 that failed, 8 × 15.
    expect(far).toBeLessThanOrEqual(9);
    expect(near).toBeGreaterThanOrEqual(8 * 15 - 2);
  });

  it('does not grow while the limit is not what holds writes back', () => {
    const state = initialLimitState(20, 0);
    const idle = nextLimitState(
      state,
      { outcome: 'ok', latencyMs: 10, epoch: 0, inFlight: 2, waiting: 0, nowMs: 0 },
      tuning,
    );
    expect(idle.limit).toBe(20);
  });
});

describe('resolveAdaptiveLimiterOptions', () => {
  it('fills in the defaults', () => {
    expect(resolveAdaptiveLimiterOptions()).toMatchObject({
      initialLimit: DEFAULT_INITIAL_CONCURRENCY,
      minLimit: 1,
      maxWritesPerSecond: Infinity,
    });
    expect(resolveAdaptiveLimiterOptions({ maxWritesPerSecond: 20 }).burst).toBe(20);
  });
  it.each([
    [{ maxWritesPerSecond: -1 }, 'writeBudget.maxWritesPerSecond'],
    [{ maxWritesPerSecond: 0 }, 'writeBudget.maxWritesPerSecond'],
    [{ minConcurrency: 0 }, 'writeBudget.minConcurrency'],
    [{ minConcurrency: 8, maxConcurrency: 4 }, 'writeBudget.maxConcurrency'],
    [{ initialConcurrency: 100, maxConcurrency: 10 }, 'writeBudget.initialConcurrency'],
    [{ backoffFactor: 1 }, 'writeBudget.backoffFactor'],
    [{ latencyBackoffFactor: 0.2 }, 'writeBudget.latencyBackoffFactor'],
    [{ burst: 0.5 }, 'writeBudget.burst'],
    [{ maxConcurency: 3 }, 'writeBudget.maxConcurency'],
  ])('%o → ValidationError on %s', (options, field) => {
    const attempt = () => resolveAdaptiveLimiterOptions(options as never);
    expect(attempt).toThrow(ValidationError);
    expect(attempt).toThrow(new RegExp(`^${field.replace('.', '\\.')}:`));
  });
  it('names the option under another prefix when asked', () => {
    expect(() => new AdaptiveLimiter({ maxWritesPerSecond: -5 }, { optionPrefix: 'limiter' })).toThrow(
      /^limiter\.maxWritesPerSecond: must be a positive number/,
    );
  });
});

describe('writeOutcome', () => {
  const apiError = (status: number, retryAfterSeconds?: number) =>
    new ApiError({
      status,
      reason: 'X',
      serverMessage: 'x',
      causes: [],
      retryAfterSeconds,
      method: 'POST',
      url: 'https://127.0.0.1/apis/events.k8s.io/v1/namespaces/default/events',
      statusObject: undefined,
    });
  it.each<[unknown, WriteResult]>([
    [undefined, { outcome: 'ok', latencyMs: 7 }],
    [apiError(429, 1), { outcome: 'throttled', latencyMs: 7, retryAfterMs: 1000 }],
    [apiError(429), { outcome: 'throttled', latencyMs: 7 }],
    [apiError(503, 2), { outcome: 'overloaded', latencyMs: 7, retryAfterMs: 2000 }],
    [apiError(500), { outcome: 'overloaded', latencyMs: 7 }],
    [new TimeoutError('POST', 'https://x', 'timed out'), { outcome: 'overloaded', latencyMs: 7 }],
    [apiError(409), { outcome: 'failed', latencyMs: 7 }],
    [apiError(403), { outcome: 'failed', latencyMs: 7 }],
    [new NetworkError('POST', 'https://x', 'refused'), { outcome: 'failed', latencyMs: 7 }],
  ])('%s → %o', (error, expected) => {
    expect(writeOutcome(error, 7)).toEqual(expected);
  });
});

describe('RateCeiling', () => {
  it('lets the burst through, then one token per 1000/rate ms; Infinity never waits', () => {
    const ceiling = new RateCeiling(10, 2, 0);
    expect([ceiling.take(0), ceiling.take(0)]).toEqual([0, 0]);
    expect(ceiling.take(0)).toBeCloseTo(100, 6);
    expect(ceiling.take(60)).toBeCloseTo(40, 6);
    expect(ceiling.take(100)).toBe(0);
    const open = new RateCeiling(Infinity, 1, 0);
    expect(Array.from({ length: 1000 }, () => open.take(0)).every((ms) => ms === 0)).toBe(true);
  });
});
