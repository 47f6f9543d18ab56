/**
 * Field readers that give a kubeconfig parsed with the YAML failsafe schema (every scalar a
 * string) the types client-go ends up with: sigs.k8s.io/yaml decodes YAML 1.1 toward the Go field
 * type, so string fields keep `no`, `0644` and `1.10` as written, and bool fields accept
 * `yes/no/on/off/y/n`. Objects parsed by the user (numbers, booleans) are accepted too.
 */
import { ConfigError } from '../errors.ts';

/** Where a value sits, for error messages: the file (or option) and the field path. */
export interface FieldRef {
  source: string;
  field: string;
}

/** Plain YAML nulls; failsafe parsing keeps them as text. An empty string is unset in Go too. */
const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);
const TRUE = new Set(['true', 'True', 'TRUE', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'y', 'Y']);
const FALSE = new Set(['false', 'False', 'FALSE', 'no', 'No', 'NO', 'off', 'Off', 'OFF', 'n', 'N']);

export function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && NULLS.has(value));
}

const fail = (ref: FieldRef, message: string): ConfigError => new ConfigError(ref.source, ref.field, message);

/** A string field; numbers are written back as text, absent or empty → undefined. */
export function optString(value: unknown, ref: FieldRef): string | undefined {
  if (isAbsent(value)) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  throw fail(ref, `must be a string, not ${describe(value)}`);
}

/** A bool field (YAML 1.1 spellings); absent → false. */
export function optBool(value: unknown, ref: FieldRef): boolean {
  if (isAbsent(value)) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && TRUE.has(value)) return true;
  if (typeof value === 'string' && FALSE.has(value)) return false;
  throw fail(ref, `must be true or false, not ${describe(value)}`);
}

/** A mapping; absent → undefined. */
export function optMap(value: unknown, ref: FieldRef): Record<string, unknown> | undefined {
  if (isAbsent(value)) return undefined;
  if (typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  throw fail(ref, `must be a mapping, not ${describe(value)}`);
}

/** A sequence; absent → empty. */
export function optList(value: unknown, ref: FieldRef): readonly unknown[] {
  if (isAbsent(value)) return [];
  if (Array.isArray(value)) return value;
  throw fail(ref, `must be a list, not ${describe(value)}`);
}

/** A list of strings; absent → empty. */
export function optStringList(value: unknown, ref: FieldRef): string[] {
  return optList(value, ref).map((item, i) => {
    const text = optString(item, { source: ref.source, field: `${ref.field}[${i}]` });
    if (text === undefined) throw fail(ref, `item ${i} is empty`);
    return text;
  });
}

/** Never the value itself: it may be a credential. */
function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}
