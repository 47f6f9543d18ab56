import { describe, expect, it } from 'vitest';
import { eventName, uniqueNanos } from '../../../src/util/event-name.ts';

describe('eventName', () => {
  it('is <name>.<lowercase hex nanoseconds>', () => {
    expect(eventName('web-0', 0x187b3c0a1e2f4d5cn)).toBe('web-0.187b3c0a1e2f4d5c');
  });

  it('encodes the current Unix time in nanoseconds by default', () => {
    const before = BigInt(Date.now()) * 1_000_000n;
    const name = eventName('pod');
    const nanos = BigInt(`0x${name.slice('pod.'.length)}`);
    expect(name).toMatch(/^pod\.[0-9a-f]{16}$/);
    expect(nanos - before).toBeLessThan(2_000_000_000n);
    expect(before - nanos).toBeLessThan(2_000_000_000n);
  });

  it('is strictly increasing over 1M calls in a tight loop', () => {
    let previous = uniqueNanos();
    let increasing = true;
    const names = new Set<string>();
    for (let i = 0; i < 1_000_000; i++) {
      const next = uniqueNanos();
      if (next <= previous) increasing = false;
      previous = next;
      if (i % 1000 === 0) names.add(eventName('x'));
    }
    expect(increasing).toBe(true);
    expect(names.size).toBe(1000);
  });
});
