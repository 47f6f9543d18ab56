/**
 * Events as kubectl shows them: `kubectl describe` rows (Type, Reason, Age, From, Message) and the
 * `kubectl events` table (LAST SEEN, TYPE, REASON, OBJECT, MESSAGE), with `(xN over …)` for series.
 */
import type { Event } from '../types.ts';
import { parseMicroTime } from '../util/micro-time.ts';

/** kubectl's short human duration (apimachinery `duration.HumanDuration`): 0s, 59s, 2m3s, 10m, 3h4m, 5d. */
export function humanDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (days < 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (days < 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (years < 8) return days % 365 === 0 ? `${years}y` : `${years}y${days % 365}d`;
  return `${years}y`;
}

function timeMs(value: string | undefined | null): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  try {
    return Number(parseMicroTime(value).epochMicroseconds / 1000n);
  } catch {
    return undefined;
  }
}

/** When the Event (or the last of its series) was seen, in epoch ms. */
export function lastSeenMs(event: Event): number | undefined {
  return timeMs(event.series?.lastObservedTime) ?? timeMs(event.eventTime) ?? timeMs(event.deprecatedLastTimestamp);
}

/** `5s`, or `5s (x50 over 2m)` for a series. */
export function age(event: Event, nowMs: number): string {
  const first = timeMs(event.eventTime) ?? timeMs(event.deprecatedFirstTimestamp);
  const last = lastSeenMs(event);
  const count = event.series?.count ?? event.deprecatedCount ?? 1;
  const since = last === undefined ? '<unknown>' : humanDuration(nowMs - last);
  if (count <= 1 || first === undefined) return since;
  return `${since} (x${count} over ${humanDuration(nowMs - first)})`;
}

function table(rows: string[][], indent = ''): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows
    .map(
      (row) =>
        indent +
        row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  '),
    )
    .join('\n');
}

const oneLine = (text: string | undefined): string => (text ?? '').replace(/\s*\n\s*/g, ' ').trim();

/** The `Events:` section of `kubectl describe`, oldest first. */
export function describeEvents(events: Event[], nowMs: number): string {
  if (events.length === 0) return 'Events:  <none>';
  const sorted = [...events].sort((a, b) => (lastSeenMs(a) ?? 0) - (lastSeenMs(b) ?? 0));
  const rows = [
    ['Type', 'Reason', 'Age', 'From', 'Message'],
    ['----', '------', '----', '----', '-------'],
    ...sorted.map((event) => [
      event.type ?? '',
      event.reason ?? '',
      age(event, nowMs),
      event.reportingController ?? '',
      oneLine(event.note),
    ]),
  ];
  return `Events:\n${table(rows, '  ')}`;
}

/** The `kubectl events` table; `allNamespaces` adds a NAMESPACE column. */
export function eventsTable(events: Event[], nowMs: number, options: { allNamespaces?: boolean } = {}): string {
  const sorted = [...events].sort((a, b) => (lastSeenMs(a) ?? 0) - (lastSeenMs(b) ?? 0));
  const header = ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'];
  const rows = sorted.map((event) => {
    const regarding = event.regarding ?? {};
    const object = `${(regarding.kind ?? '').toLowerCase()}/${regarding.name ?? ''}`;
    const row = [age(event, nowMs), event.type ?? '', event.reason ?? '', object, oneLine(event.note)];
    return options.allNamespaces === true ? [event.metadata?.namespace ?? '', ...row] : row;
  });
  return table([options.allNamespaces === true ? ['NAMESPACE', ...header] : header, ...rows]);
}
