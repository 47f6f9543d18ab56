/**
 * MicroTime formatting and event names: ns per call over 1M calls, beside
 * Date.prototype.toISOString in the same run (the baseline every JS client uses).
 */
import { eventName, uniqueNanos } from '../src/util/event-name.ts';
import { formatMicroTime, microTimeNow, parseMicroTime } from '../src/micro-time.ts';
import { machine, printTable, timePerCall } from './_measure.ts';

const N = 1_000_000;
const base = Date.now();
const dates = Array.from({ length: 1024 }, (_, i) => new Date(base + i * 7));
const baseNanos = BigInt(base) * 1_000_000n;

const results = [
  timePerCall('Date.prototype.toISOString (baseline)', N, (i) => dates[i & 1023]?.toISOString()),
  timePerCall('formatMicroTime(Date)', N, (i) => formatMicroTime(dates[i & 1023] ?? new Date())),
  timePerCall('formatMicroTime(bigint ns)', N, (i) => formatMicroTime(baseNanos + BigInt(i) * 1_000n)),
  timePerCall('microTimeNow()', N, () => microTimeNow()),
  timePerCall('new Date().toISOString() (baseline for now)', N, () => new Date().toISOString()),
  timePerCall('uniqueNanos()', N, () => uniqueNanos()),
  timePerCall('eventName(name)', N, () => eventName('web-0')),
  timePerCall('parseMicroTime', N / 10, () => parseMicroTime('2026-11-25T15:40:00.123456Z')),
];
const baseline = results[0]?.nsPerCall ?? 1;
printTable(
  `MicroTime and event names, ${N.toLocaleString('en')} calls (best of 5 rounds) — ${machine()}`,
  results.map((r) => [r.label, r.nsPerCall.toFixed(1), (r.nsPerCall / baseline).toFixed(2)]),
  ['operation', 'ns/call', '× toISOString'],
);
