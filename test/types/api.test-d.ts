import { describe, expectTypeOf, it } from 'vitest';
import type { CorePatchRequest } from '../../src/core-events-api.ts';
import type { PatchRequest } from '../../src/events-api.ts';
import type { CoreEvent, Event, JsonPatchOperation, MicroTime, Time } from '../../src/types.ts';
import { formatMicroTime, formatTime } from '../../src/micro-time.ts';

const at = { namespace: 'n', name: 'e' } as const;
const removeNote = [{ op: 'remove', path: '/note' }] as const;
const applyBody = { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'e' } } as const;
const noKind = { apiVersion: 'events.k8s.io/v1', metadata: { name: 'e' } } as const;

describe('patch bodies follow the patch type', () => {
  it('merge and strategic merge take a deep partial Event, with null to remove', () => {
    expectTypeOf({ ...at, type: 'merge', patch: { series: { count: 2 } } } as const).toExtend<PatchRequest>();
    expectTypeOf({ ...at, type: 'strategic-merge', patch: { note: null } } as const).toExtend<PatchRequest>();
    expectTypeOf({ ...at, type: 'merge', patch: [...removeNote] } as const).not.toExtend<PatchRequest>();
    expectTypeOf({ ...at, type: 'merge', patch: { series: { count: 'two' } } } as const).not.toExtend<PatchRequest>();
  });

  it('JSON Patch takes RFC 6902 operations', () => {
    expectTypeOf({
      ...at,
      type: 'json',
      patch: [{ op: 'replace', path: '/series/count', value: 3 }],
    } as const).toExtend<PatchRequest>();
    expectTypeOf({ ...at, type: 'json', patch: { note: 'x' } } as const).not.toExtend<PatchRequest>();
    expectTypeOf({ op: 'move', path: '/a' } as const).not.toExtend<JsonPatchOperation>();
    expectTypeOf({ op: 'add', path: '/a' } as const).not.toExtend<JsonPatchOperation>();
    expectTypeOf({ op: 'copy', path: '/a', from: '/b' } as const).toExtend<JsonPatchOperation>();
  });

  it('apply takes a whole object with apiVersion and kind, and requires a field manager', () => {
    expectTypeOf({ ...at, type: 'apply', patch: applyBody, fieldManager: 'me' } as const).toExtend<PatchRequest>();
    expectTypeOf({ ...at, type: 'apply', patch: applyBody } as const).not.toExtend<PatchRequest>();
    expectTypeOf({ ...at, type: 'apply', patch: noKind, fieldManager: 'me' } as const).not.toExtend<PatchRequest>();
    expectTypeOf<PatchRequest['type']>().toEqualTypeOf<'merge' | 'strategic-merge' | 'json' | 'apply'>();
  });
});

describe('MicroTime and Time are branded', () => {
  it('neither a Date nor an ISO string is accepted by accident', () => {
    expectTypeOf<Date>().not.toExtend<MicroTime>();
    expectTypeOf<string>().not.toExtend<MicroTime>();
    expectTypeOf<'2026-11-25T15:40:00.123Z'>().not.toExtend<MicroTime>();
    expectTypeOf<ReturnType<Date['toISOString']>>().not.toExtend<Time>();
    expectTypeOf<MicroTime>().not.toExtend<Time>();
    expectTypeOf<{ eventTime: string }>().not.toExtend<Event>();
  });

  it('the formatters produce them, and they read as strings', () => {
    expectTypeOf(formatMicroTime(new Date())).toEqualTypeOf<MicroTime>();
    expectTypeOf(formatTime(0n)).toEqualTypeOf<Time>();
    expectTypeOf<MicroTime>().toExtend<string>();
    expectTypeOf<Event['eventTime']>().toEqualTypeOf<MicroTime>();
    expectTypeOf({ eventTime: formatMicroTime(0n) }).toExtend<Event>();
  });
});

describe('core/v1 patch bodies and legacy fields', () => {
  it('a core/v1 merge patch takes count and a branded lastTimestamp; no apply', () => {
    const lastTimestamp = formatTime(new Date());
    expectTypeOf({ ...at, type: 'merge', patch: { count: 3, lastTimestamp } } as const).toExtend<CorePatchRequest>();
    expectTypeOf({
      ...at,
      type: 'merge',
      patch: { count: 3, lastTimestamp: '2026-11-30T02:20:00Z' },
    } as const).not.toExtend<CorePatchRequest>();
    expectTypeOf({ ...at, type: 'merge', patch: { count: 'three' } } as const).not.toExtend<CorePatchRequest>();
    expectTypeOf<CorePatchRequest['type']>().toEqualTypeOf<'merge' | 'strategic-merge' | 'json'>();
  });

  it('a core/v1 Event names the new fields the core/v1 way', () => {
    expectTypeOf<CoreEvent>().toHaveProperty('reportingComponent');
    expectTypeOf<CoreEvent>().toHaveProperty('involvedObject');
    expectTypeOf<CoreEvent>().not.toHaveProperty('reportingController');
    expectTypeOf<NonNullable<CoreEvent['firstTimestamp']>>().toEqualTypeOf<Time>();
  });
});
