import { describe, expect, it } from 'vitest';
import { seriesKey } from '../../../src/recorder/key.ts';
import { normalizeRef, objectRef } from '../../../src/recorder/object-ref.ts';
import { reporterFromEnv } from '../../../src/recorder/event.ts';
import { isQuiet, nextWriteDue } from '../../../src/recorder/schedule.ts';
import { fitInstance, fitNote, qualifiedNameProblem } from '../../../src/recorder/validate.ts';
import { eventNamePrefix, isDnsSubdomain, safeEventName } from '../../../src/util/event-name.ts';
import { truncateUtf8, utf8Length } from '../../../src/util/utf8.ts';

describe('nextWriteDue', () => {
  const due = (lastWriteMs: number, nowMs = lastWriteMs, maxIntervalMs = 60_000) =>
    nextWriteDue({ burstStartMs: 0, lastWriteMs, nowMs, minIntervalMs: 1000, maxIntervalMs });
  it('falls at 1 s, 2 s, 4 s … after the burst began', () => {
    expect([0, 1000, 2000, 4000, 8000, 16_000, 32_000].map((w) => due(w))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 32_000, 64_000,
    ]);
    expect(due(500)).toBe(1000);
  });
  it('is never more than the cap after the last write, nor before now', () => {
    expect(due(64_000)).toBe(124_000);
    expect(due(32_000, 32_000, 10_000)).toBe(42_000);
    expect(due(1000, 5000)).toBe(5000);
  });
  it('isQuiet needs nothing pending and a gap of at least the shortest interval', () => {
    expect(isQuiet({ dirty: false, lastOccurrenceMs: 0, nowMs: 1000, minIntervalMs: 1000 })).toBe(true);
    expect(isQuiet({ dirty: true, lastOccurrenceMs: 0, nowMs: 5000, minIntervalMs: 1000 })).toBe(false);
    expect(isQuiet({ dirty: false, lastOccurrenceMs: 0, nowMs: 999, minIntervalMs: 1000 })).toBe(false);
  });
});

describe('names', () => {
  it.each([
    ['web-0', 'web-0'],
    ['system:controller:attachdetach-controller', /^system-controller-attachdetach-controller-[0-9a-f]{8}$/],
    ['MyApp', /^myapp-[0-9a-f]{8}$/],
    ['a..b', /^a\.b-[0-9a-f]{8}$/],
    [':::', /^[0-9a-f]{8}$/],
    ['x'.repeat(300), /^x{227}-[0-9a-f]{8}$/],
  ])('%s → a valid prefix', (name, expected) => {
    const prefix = eventNamePrefix(name);
    if (typeof expected === 'string') expect(prefix).toBe(expected);
    else expect(prefix).toMatch(expected);
    const full = safeEventName(name);
    expect(isDnsSubdomain(full)).toBe(true);
    expect(full.length).toBeLessThanOrEqual(253);
  });
  it('is deterministic and keeps similar names apart', () => {
    expect(eventNamePrefix('System:X')).toBe(eventNamePrefix('System:X'));
    expect(eventNamePrefix('system:x')).not.toBe(eventNamePrefix('system-x-'));
  });
});

describe('validation helpers', () => {
  it.each([
    ['kubelet', undefined],
    ['example.com/my-controller', undefined],
    ['my operator', /name part/],
    ['a/b/c', /more than one/],
    ['/x', /empty prefix/],
    ['Example.com/x', /not a lowercase DNS subdomain/],
    ['example.com/', /empty name/],
    [`x/${'a'.repeat(64)}`, /longer than 63/],
  ])('qualified name %s', (value, problem) => {
    const found = qualifiedNameProblem(value);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(problem);
  });
  it('counts bytes and cuts on character boundaries', () => {
    expect(utf8Length('héllo')).toBe(6);
    expect(utf8Length('👍')).toBe(4);
    expect(truncateUtf8('a👍b', 4)).toBe('a');
    expect(truncateUtf8('a👍b', 5)).toBe('a👍');
    expect(fitNote('x'.repeat(1024))).toHaveLength(1024);
    expect(Buffer.byteLength(fitNote('👍'.repeat(300)))).toBeLessThanOrEqual(1024);
    expect(fitInstance('pod-0')).toBe('pod-0');
    expect(fitInstance('é'.repeat(100))).toBe(fitInstance('é'.repeat(100)));
    expect(Buffer.byteLength(fitInstance('é'.repeat(100)))).toBeLessThanOrEqual(128);
  });
});

describe('references and keys', () => {
  it('objectRef takes identity fields only', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-0', namespace: 'ns', uid: 'u', resourceVersion: '5', labels: { a: 'b' } },
    };
    expect(objectRef(pod)).toEqual({ apiVersion: 'v1', kind: 'Pod', namespace: 'ns', name: 'web-0', uid: 'u' });
    expect(objectRef(pod, 'spec.containers{app}')).toMatchObject({ fieldPath: 'spec.containers{app}' });
    expect(() => objectRef({ metadata: { name: 'x' } })).toThrow(/no kind/);
    expect(() => objectRef({ kind: 'Pod', metadata: {} })).toThrow(/metadata.name/);
    expect(normalizeRef({ kind: 'Node', name: 'n', namespace: '', resourceVersion: '1' })).toEqual({
      kind: 'Node',
      name: 'n',
    });
  });
  it('series keys separate type, reason, action, objects, and the note only on request', () => {
    const e = { type: 'Normal' as const, reason: 'R', action: 'A', note: 'n' };
    const ref = { kind: 'Pod', name: 'p' };
    const keys = new Set([
      seriesKey(e, ref, false),
      seriesKey({ ...e, type: 'Warning' }, ref, false),
      seriesKey({ ...e, reason: 'R2' }, ref, false),
      seriesKey({ ...e, action: 'A2' }, ref, false),
      seriesKey(e, { ...ref, name: 'q' }, false),
      seriesKey({ ...e, secondary: { kind: 'Node', name: 'n' } }, ref, false),
      seriesKey({ ...e, note: 'other' }, ref, true),
    ]);
    expect(keys.size).toBe(7);
    expect(seriesKey({ ...e, note: 'other' }, ref, false)).toBe(seriesKey(e, ref, false));
  });
  it('reporterFromEnv prefers POD_NAME, then the hostname', () => {
    expect(reporterFromEnv('example.com/op', { POD_NAME: 'op-7' })).toEqual({
      controller: 'example.com/op',
      instance: 'op-7',
    });
    expect(reporterFromEnv('example.com/op', {}).instance).toBeTruthy();
  });
});
