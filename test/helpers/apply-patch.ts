/**
 * The apiserver's handling of the two patch types the Recorder sends, for the in-memory and the
 * simulated apiservers: a merge patch replaces top-level fields; a JSON Patch runs `test` (a
 * mismatch fails the whole patch, which the apiserver answers with 422) and `add` operations.
 */
import type { PatchRequest } from '../../src/events-api.ts';
import type { Event } from '../../src/types.ts';

/** Applies `request` to `event` in place; returns the path of the first failed `test`, if any. */
export function applyPatch(event: Event, request: PatchRequest): string | undefined {
  if (request.type === 'merge') {
    Object.assign(event, request.patch);
    return undefined;
  }
  if (request.type !== 'json') return undefined;
  for (const op of request.patch) {
    const segments = op.path.split('/').slice(1);
    let holder: unknown = event;
    for (const segment of segments.slice(0, -1)) holder = (holder as Record<string, unknown> | undefined)?.[segment];
    const target = holder as Record<string, unknown> | undefined;
    const last = segments.at(-1) ?? '';
    if (op.op === 'test' && target?.[last] !== op.value) return op.path;
    if (op.op === 'add' && target !== undefined) target[last] = op.value;
  }
  return undefined;
}
