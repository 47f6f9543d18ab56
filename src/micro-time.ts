/**
 * MicroTime and Time on the wire. The apiserver parses MicroTime with Go's layout
 * `2006-01-02T15:04:05.000000Z07:00` (k8s.io/apimachinery pkg/apis/meta/v1/micro_time.go): exactly
 * six fractional digits, so `Date.prototype.toISOString()` (three digits) is rejected with 400.
 * Time is RFC 3339 with second precision (time.go).
 */
import { ValidationError } from './errors.ts';
import type { MicroTime, Time } from './types.ts';
import { wallClockNanos } from './util/clock.ts';

// Go's four-digit year layout covers years 0000–9999.
const MIN_EPOCH_MS = new Date('0000-01-01T00:00:00.000Z').getTime();
const MAX_EPOCH_MS = new Date('9999-12-31T23:59:59.999Z').getTime();

/** Anything kube-events accepts as a point in time. `bigint` is Unix time in nanoseconds. */
export type TimeInput = Date | bigint;

let cachedSecond = Number.NaN;
let cachedPrefix = '';

/** `YYYY-MM-DDTHH:MM:SS.` for an epoch second, cached because consecutive calls share it. */
function secondPrefix(epochSecond: number): string {
  if (epochSecond !== cachedSecond) {
    const ms = epochSecond * 1000;
    if (!(ms >= MIN_EPOCH_MS && ms <= MAX_EPOCH_MS)) {
      throw new ValidationError(
        'time',
        `${new Date(ms).toString()} is outside the years 0000–9999 that Kubernetes can encode`,
      );
    }
    cachedPrefix = new Date(ms).toISOString().slice(0, 20);
    cachedSecond = epochSecond;
  }
  return cachedPrefix;
}

/** Floor division for possibly negative bigints (times before 1970). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function toEpochMicros(value: TimeInput): bigint {
  if (typeof value === 'bigint') return floorDiv(value, 1000n);
  const ms = value.getTime();
  if (Number.isNaN(ms)) throw new ValidationError('time', 'Invalid Date');
  return BigInt(ms) * 1000n;
}

/**
 * Formats a time as a Kubernetes MicroTime: UTC, exactly six fractional digits.
 * @param value a `Date` (millisecond precision) or Unix time in nanoseconds (`bigint`, truncated to µs)
 * @throws ValidationError for an invalid Date or a year outside 0000–9999
 * @example formatMicroTime(new Date('2026-11-25T15:40:00.123Z')) // '2026-11-25T15:40:00.123000Z'
 * @example formatMicroTime(1_764_085_200_123_456_789n)          // '2025-11-25T15:40:00.123456Z'
 */
export function formatMicroTime(value: TimeInput): MicroTime {
  const micros = toEpochMicros(value);
  const second = floorDiv(micros, 1_000_000n);
  const fraction = Number(micros - second * 1_000_000n);
  return (secondPrefix(Number(second)) + String(fraction).padStart(6, '0') + 'Z') as MicroTime;
}

/**
 * The current time as a MicroTime, from the high-resolution clock (real microseconds, not a
 * millisecond time padded with zeros).
 * @example microTimeNow() // '2026-11-25T15:40:00.123456Z'
 */
export function microTimeNow(): MicroTime {
  return formatMicroTime(wallClockNanos());
}

/**
 * Formats a time as a Kubernetes Time: UTC, second precision (the fraction is dropped, as the
 * apiserver does).
 * @example formatTime(new Date('2026-11-25T15:40:00.999Z')) // '2026-11-25T15:40:00Z'
 */
export function formatTime(value: TimeInput): Time {
  const second = floorDiv(toEpochMicros(value), 1_000_000n);
  return (secondPrefix(Number(second)).slice(0, 19) + 'Z') as Time;
}

/** A parsed server timestamp that keeps microseconds, unlike a `Date`. */
export interface ParsedTime {
  /** Unix time in microseconds. */
  readonly epochMicroseconds: bigint;
  /** The same instant as a `Date` (milliseconds, truncated). */
  readonly date: Date;
}

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parses a timestamp as servers write them (RFC 3339: with or without a fraction, `Z` or any
 * offset). Digits beyond microseconds are truncated.
 * @throws ValidationError naming the text when it is not such a timestamp
 * @example parseMicroTime('2026-11-25T16:40:00.5+01:00').epochMicroseconds // 1795621200500000n
 */
export function parseMicroTime(text: string): ParsedTime {
  const match = TIMESTAMP.exec(text);
  const invalid = (why: string): ValidationError =>
    new ValidationError('time', `"${text}" is not an RFC 3339 timestamp: ${why}`);
  if (match === null) throw invalid('expected YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)');
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12) throw invalid('month out of range');
  if (hour > 23 || minute > 59 || second > 59) throw invalid('time of day out of range');
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) throw invalid('day out of range for the month');
  date.setUTCHours(hour, minute, second, 0);
  let offsetMinutes = 0;
  if (match[8] === undefined) {
    const sign = match[9] === '-' ? -1 : 1;
    const offsetHours = Number(match[10]);
    const offsetMins = Number(match[11]);
    if (offsetHours > 23 || offsetMins > 59) throw invalid('offset out of range');
    offsetMinutes = sign * (offsetHours * 60 + offsetMins);
  }
  const fractionMicros = BigInt((match[7] ?? '').padEnd(6, '0').slice(0, 6));
  const epochMicroseconds = BigInt(date.getTime() - offsetMinutes * 60_000) * 1000n + fractionMicros;
  return { epochMicroseconds, date: new Date(Number(floorDiv(epochMicroseconds, 1000n))) };
}
