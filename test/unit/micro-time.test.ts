import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.ts';
import { formatMicroTime, formatTime, microTimeNow, parseMicroTime } from '../../src/micro-time.ts';

const MICRO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

describe('formatMicroTime', () => {
  it('writes exactly six fractional digits in UTC from a Date', () => {
    expect(formatMicroTime(new Date('2026-11-25T15:40:00.123Z'))).toBe('2026-11-25T15:40:00.123000Z');
  });

  it('keeps microseconds from epoch nanoseconds and truncates the rest', () => {
    expect(formatMicroTime(1_795_621_200_123_456_789n)).toBe('2026-11-25T15:40:00.123456Z');
  });

  it('handles 0 and 999999 microseconds', () => {
    expect(formatMicroTime(1_795_621_200_000_000_000n)).toBe('2026-11-25T15:40:00.000000Z');
    expect(formatMicroTime(1_795_621_200_999_999_999n)).toBe('2026-11-25T15:40:00.999999Z');
  });

  it('handles the epoch and dates before 1970', () => {
    expect(formatMicroTime(0n)).toBe('1970-01-01T00:00:00.000000Z');
    expect(formatMicroTime(-1_000n)).toBe('1969-12-31T23:59:59.999999Z');
    expect(formatMicroTime(new Date('1900-02-28T12:00:00.5Z'))).toBe('1900-02-28T12:00:00.500000Z');
  });

  it('handles dates after 2100 and leap days', () => {
    expect(formatMicroTime(new Date('2104-02-29T23:59:59.999Z'))).toBe('2104-02-29T23:59:59.999000Z');
    expect(formatMicroTime(new Date('2024-02-29T00:00:00Z'))).toBe('2024-02-29T00:00:00.000000Z');
    expect(formatMicroTime(new Date('9999-12-31T23:59:59.999Z'))).toBe('9999-12-31T23:59:59.999000Z');
  });

  it('rejects an invalid Date and years Kubernetes cannot encode', () => {
    expect(() => formatMicroTime(new Date('nope'))).toThrow(ValidationError);
    expect(() => formatMicroTime(new Date('+010000-01-01T00:00:00Z'))).toThrow(/0000–9999/);
  });

  it('reads the high-resolution clock', () => {
    const before = Date.now();
    const now = microTimeNow();
    expect(now).toMatch(MICRO_TIME);
    expect(Math.abs(parseMicroTime(now).date.getTime() - before)).toBeLessThan(1_000);
  });
});

describe('formatTime', () => {
  it('writes seconds only, in UTC', () => {
    expect(formatTime(new Date('2026-11-25T15:40:00.999Z'))).toBe('2026-11-25T15:40:00Z');
    expect(formatTime(-1n)).toBe('1969-12-31T23:59:59Z');
  });
});

describe('parseMicroTime', () => {
  it('round-trips what formatMicroTime writes', () => {
    for (const nanos of [
      0n,
      -1_000n,
      1_795_621_200_123_456_000n,
      1_795_621_200_999_999_000n,
      4_107_542_399_000_001_000n,
    ]) {
      const text = formatMicroTime(nanos);
      expect(parseMicroTime(text).epochMicroseconds * 1000n).toBe(nanos);
      expect(formatMicroTime(parseMicroTime(text).epochMicroseconds * 1000n)).toBe(text);
    }
  });

  it('accepts no fraction, short and nanosecond fractions, and offsets', () => {
    expect(parseMicroTime('2026-11-25T15:40:00Z').epochMicroseconds).toBe(1_795_621_200_000_000n);
    expect(parseMicroTime('2026-11-25T15:40:00.5Z').epochMicroseconds).toBe(1_795_621_200_500_000n);
    expect(parseMicroTime('2026-11-25T15:40:00.123456789Z').epochMicroseconds).toBe(1_795_621_200_123_456n);
    expect(parseMicroTime('2026-11-25T16:40:00.5+01:00').epochMicroseconds).toBe(1_795_621_200_500_000n);
    expect(parseMicroTime('2026-11-25T10:10:00-05:30').epochMicroseconds).toBe(1_795_621_200_000_000n);
  });

  it('keeps microseconds that a Date would lose', () => {
    const parsed = parseMicroTime('2026-11-25T15:40:00.123456Z');
    expect(parsed.epochMicroseconds % 1000n).toBe(456n);
    expect(parsed.date.toISOString()).toBe('2026-11-25T15:40:00.123Z');
  });

  it('handles leap days and rejects impossible dates', () => {
    expect(parseMicroTime('2024-02-29T00:00:00Z').date.toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(() => parseMicroTime('2023-02-29T00:00:00Z')).toThrow(/day out of range/);
    expect(() => parseMicroTime('2100-02-29T00:00:00Z')).toThrow(ValidationError);
    expect(parseMicroTime('0001-01-01T00:00:00Z').date.getUTCFullYear()).toBe(1);
  });

  it('names the text it cannot parse', () => {
    expect(() => parseMicroTime('yesterday')).toThrow(/"yesterday" is not an RFC 3339 timestamp/);
    expect(() => parseMicroTime('2026-13-01T00:00:00Z')).toThrow(/month/);
    expect(() => parseMicroTime('2026-11-25T24:00:00Z')).toThrow(/time of day/);
  });
});
