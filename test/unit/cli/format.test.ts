/** kubectl's durations and the `kubectl events` table. */
import { describe, expect, it } from 'vitest';
import { age, describeEvents, eventsTable, humanDuration, watchHeader, watchRow } from '../../../src/cli/format.ts';
import type { Event } from '../../../src/types.ts';
import { formatMicroTime, formatTime } from '../../../src/micro-time.ts';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const at = (msAgo: number) => formatMicroTime(new Date(NOW - msAgo));

const event = (overrides: Partial<Event> = {}): Event => ({
  metadata: { name: 'web-0.1', namespace: 'shop', resourceVersion: '1' },
  eventTime: at(5_000),
  type: 'Normal',
  reason: 'Synced',
  action: 'Reconcile',
  reportingController: 'example.com/op',
  regarding: { apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: 'web-0' },
  note: 'all good',
  ...overrides,
});

describe('humanDuration (apimachinery HumanDuration)', () => {
  it.each([
    [0, '0s'],
    [-5_000, '0s'],
    [999, '0s'],
    [59_000, '59s'],
    [119_000, '119s'],
    [120_000, '2m'],
    [123_000, '2m3s'],
    [599_000, '9m59s'],
    [600_000, '10m'],
    [179 * 60_000, '179m'],
    [3 * 3_600_000, '3h'],
    [3 * 3_600_000 + 4 * 60_000, '3h4m'],
    [8 * 3_600_000, '8h'],
    [47 * 3_600_000, '47h'],
    [48 * 3_600_000, '2d'],
    [5 * 86_400_000 + 3 * 3_600_000, '5d3h'],
    [8 * 86_400_000, '8d'],
    [729 * 86_400_000, '729d'],
    [2 * 365 * 86_400_000, '2y'],
    [(3 * 365 + 10) * 86_400_000, '3y10d'],
    [9 * 365 * 86_400_000, '9y'],
  ])('%d ms → %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

describe('age', () => {
  it('a single Event: how long ago it was seen', () => {
    expect(age(event(), NOW)).toBe('5s');
  });

  it('a series: last seen (xN over first seen)', () => {
    const series = event({ eventTime: at(180_000), series: { count: 50, lastObservedTime: at(3_000) } });
    expect(age(series, NOW)).toBe('3s (x50 over 3m)');
  });

  it('a core/v1-style Event: deprecated count and timestamps', () => {
    const legacy = event({
      eventTime: undefined,
      deprecatedCount: 4,
      deprecatedFirstTimestamp: formatTime(new Date(NOW - 600_000)),
      deprecatedLastTimestamp: formatTime(new Date(NOW - 60_000)),
    });
    expect(age(legacy, NOW)).toBe('60s (x4 over 10m)');
  });

  it('no time at all: <unknown>', () => {
    expect(age(event({ eventTime: undefined }), NOW)).toBe('<unknown>');
  });
});

describe('tables', () => {
  const warning = event({
    metadata: { name: 'web-1.2', namespace: 'shop' },
    type: 'Warning',
    reason: 'BackOff',
    eventTime: at(120_000),
    series: { count: 3, lastObservedTime: at(1_000) },
    regarding: { kind: 'Pod', name: 'web-1' },
    note: 'image\n  pull failed',
  });

  it('eventsTable: oldest first, columns aligned, notes on one line', () => {
    expect(eventsTable([warning, event()], NOW)).toBe(
      [
        'LAST SEEN        TYPE     REASON   OBJECT     MESSAGE',
        '5s               Normal   Synced   pod/web-0  all good',
        '1s (x3 over 2m)  Warning  BackOff  pod/web-1  image pull failed',
      ].join('\n'),
    );
  });

  it('eventsTable -A: a NAMESPACE column first', () => {
    expect(eventsTable([event()], NOW, { allNamespaces: true }).split('\n')[1]).toMatch(/^shop\s+5s\s+Normal/);
  });

  it('colour: Warning in yellow, padding outside the colour, Normal and the header plain', () => {
    const lines = eventsTable([warning, event()], NOW, { colour: true }).split('\n');
    expect(lines[0]).not.toContain('\u001b');
    expect(lines[1]).not.toContain('\u001b');
    expect(lines[2]).toBe('1s (x3 over 2m)  \u001b[33mWarning\u001b[39m  BackOff  pod/web-1  image pull failed');
  });

  it('describeEvents: the Events: section of kubectl describe', () => {
    expect(describeEvents([], NOW)).toBe('Events:  <none>');
    expect(describeEvents([warning], NOW)).toMatch(
      /^Events:\n {2}Type\s+Reason.*\n.*\n {2}Warning\s+BackOff\s+1s \(x3 over 2m\)/,
    );
  });

  it('watch rows line up with the watch header', () => {
    const header = watchHeader();
    const row = watchRow(event(), NOW);
    expect(header.indexOf('TYPE')).toBe(row.indexOf('Normal'));
    expect(header.indexOf('MESSAGE')).toBe(row.indexOf('all good'));
    expect(watchHeader({ allNamespaces: true })).toMatch(/^NAMESPACE\s+LAST SEEN/);
  });
});
