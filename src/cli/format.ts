/**
 * Events as kubectl shows them: `kubectl describe` rows (Type, Reason, Age, From, Message) and the
 * `kubectl events` table (LAST SEEN, TYPE, REASON, OBJECT, MESSAGE), with `(xN over …)` for series.
 */
import type { Event } from '../types.ts';
import { parseMicroTime } from '../micro-time.ts';

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

/** Orders Events by when they were last seen, oldest first (as kubectl prints them). */
export function byLastSeen(a: Event, b: Event): number {
  return (lastSeenMs(a) ?? 0) - (lastSeenMs(b) ?? 0);
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

/** Wraps a cell's text (not its padding), e.g. in colour. */
type Paint = (text: string, row: number, column: number) => string;

function pad(cell: string, width: number, paint: Paint | undefined, row: number, column: number): string {
  return (paint !== undefined ? paint(cell, row, column) : cell) + ' '.repeat(Math.max(0, width - cell.length));
}

function table(rows: string[][], indent = '', paint?: Paint): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows
    .map(
      (row, r) =>
        indent +
        row
          .map((cell, column) =>
            column === row.length - 1
              ? pad(cell, 0, paint, r, column)
              : pad(cell, widths[column] ?? 0, paint, r, column),
          )
          .join('  '),
    )
    .join('\n');
}

const oneLine = (text: string | undefined): string => (text ?? '').replace(/\s*\n\s*/g, ' ').trim();

/** The `Events:` section of `kubectl describe`, oldest first. */
export function describeEvents(events: Event[], nowMs: number): string {
  if (events.length === 0) return 'Events:  <none>';
  const sorted = [...events].sort(byLastSeen);
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

/** How the `kubectl events` table is printed. */
export interface EventsTableOptions {
  /** Adds a NAMESPACE column (`-A`). */
  allNamespaces?: boolean;
  /** Warning in yellow (ANSI); only for a terminal. */
  colour?: boolean;
}

const EVENTS_HEADER = ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'];

/** The cells of one row of the `kubectl events` table. */
export function eventsTableRow(event: Event, nowMs: number, options: EventsTableOptions = {}): string[] {
  const regarding = event.regarding ?? {};
  const object = `${(regarding.kind ?? '').toLowerCase()}/${regarding.name ?? ''}`;
  const row = [age(event, nowMs), event.type ?? '', event.reason ?? '', object, oneLine(event.note)];
  return options.allNamespaces === true ? [event.metadata?.namespace ?? '', ...row] : row;
}

const YELLOW = (text: string): string => `\u001b[33m${text}\u001b[39m`;

/** Paints Warning cells of the TYPE column yellow (body rows only). */
function warningPaint(options: EventsTableOptions): Paint | undefined {
  if (options.colour !== true) return undefined;
  const typeColumn = options.allNamespaces === true ? 2 : 1;
  return (text, row, column) => (row > 0 && column === typeColumn && text === 'Warning' ? YELLOW(text) : text);
}

/** The `kubectl events` table, oldest first; `allNamespaces` adds a NAMESPACE column. */
export function eventsTable(events: Event[], nowMs: number, options: EventsTableOptions = {}): string {
  const sorted = [...events].sort(byLastSeen);
  const header = options.allNamespaces === true ? ['NAMESPACE', ...EVENTS_HEADER] : EVENTS_HEADER;
  const rows = sorted.map((event) => eventsTableRow(event, nowMs, options));
  return table([header, ...rows], '', warningPaint(options));
}

/**
 * Column widths of a watch, whose rows are printed one at a time: wide enough for most values, so
 * that rows line up with the header; a longer value shifts only its own row.
 */
const WATCH_WIDTHS = { namespace: 20, lastSeen: 22, type: 7, reason: 20, object: 36 };

function watchLine(cells: string[], options: EventsTableOptions, row: number): string {
  const widths = [WATCH_WIDTHS.lastSeen, WATCH_WIDTHS.type, WATCH_WIDTHS.reason, WATCH_WIDTHS.object];
  if (options.allNamespaces === true) widths.unshift(WATCH_WIDTHS.namespace);
  const paint = warningPaint(options);
  return cells
    .map((cell, column) => pad(cell, column === cells.length - 1 ? 0 : (widths[column] ?? 0), paint, row, column))
    .join('  ');
}

/** The header line of `kube-events watch`. */
export function watchHeader(options: EventsTableOptions = {}): string {
  return watchLine(options.allNamespaces === true ? ['NAMESPACE', ...EVENTS_HEADER] : EVENTS_HEADER, options, 0);
}

/** One line of `kube-events watch`, aligned with {@link watchHeader}. */
export function watchRow(event: Event, nowMs: number, options: EventsTableOptions = {}): string {
  return watchLine(eventsTableRow(event, nowMs, options), options, 1);
}
