/**
 * The apiserver's Event rules, checked before any API call so that a bad event is a typed
 * ValidationError naming the field, never a 422. Limits are bytes (Go `len`), from
 * k8s pkg/apis/core/validation/events.go; see shared notes events-api-rules.md.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '../errors.ts';
import type { ObjectReference } from '../types.ts';
import { isDnsSubdomain } from '../util/event-name.ts';
import { fitsUtf8, truncateUtf8, utf8Length } from '../util/utf8.ts';
import type { RecordedEvent, Reporter } from './event.ts';

export const REASON_MAX_BYTES = 128;
export const ACTION_MAX_BYTES = 128;
export const REPORTING_INSTANCE_MAX_BYTES = 128;
export const NOTE_MAX_BYTES = 1024;
/** Appended to a note cut to fit NOTE_MAX_BYTES, so readers see it was cut. */
export const TRUNCATION_MARKER = ' …[truncated]';

const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** `IsQualifiedName`: `[prefix/]name`, prefix a DNS subdomain, name ≤ 63 of [-A-Za-z0-9_.], alphanumeric at both ends. */
export function qualifiedNameProblem(value: string): string | undefined {
  const parts = value.split('/');
  if (parts.length > 2) return 'has more than one "/"';
  const name = parts.at(-1) ?? '';
  if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    if (prefix === '') return 'has an empty prefix before "/"';
    if (!isDnsSubdomain(prefix)) return `prefix "${prefix}" is not a lowercase DNS subdomain`;
  }
  if (name === '') return 'has an empty name';
  if (name.length > 63) return 'has a name part longer than 63 characters';
  if (!QUALIFIED_NAME_PART.test(name)) {
    return 'name part must be alphanumerics, "-", "_" or ".", starting and ending with an alphanumeric';
  }
  return undefined;
}

/** Checks the reporter and returns it with `instance` fitted to 128 bytes. */
export function normalizeReporter(reporter: Reporter): Required<Reporter> {
  const problem = qualifiedNameProblem(reporter.controller);
  if (problem !== undefined) {
    throw new ValidationError(
      'reporter.controller',
      `"${reporter.controller}" is not a qualified name (${problem}); use e.g. "example.com/my-operator"`,
    );
  }
  return { controller: reporter.controller, instance: fitInstance(reporter.instance ?? reporter.controller) };
}

/** Too long an instance keeps its first bytes and gets `-<8 hex of sha256>`: deterministic and still distinct. */
export function fitInstance(instance: string): string {
  if (instance === '') throw new ValidationError('reporter.instance', 'must not be empty');
  if (utf8Length(instance) <= REPORTING_INSTANCE_MAX_BYTES) return instance;
  const hash = createHash('sha256').update(instance).digest('hex').slice(0, 8);
  return `${truncateUtf8(instance, REPORTING_INSTANCE_MAX_BYTES - hash.length - 1)}-${hash}`;
}

function required(field: string, value: unknown, maxBytes: number): void {
  if (typeof value !== 'string' || value === '') throw new ValidationError(field, 'is required');
  if (fitsUtf8(value, maxBytes)) return;
  throw new ValidationError(field, `is ${utf8Length(value)} bytes; the apiserver allows at most ${maxBytes}`);
}

/** Namespaces already found valid: a controller sees few, and the regex is the costliest check. */
const validNamespaces = new Set<string>();
const MAX_REMEMBERED_NAMESPACES = 10_000;

function validNamespace(namespace: string): boolean {
  if (validNamespaces.has(namespace)) return true;
  if (!isDnsSubdomain(namespace)) return false;
  if (validNamespaces.size < MAX_REMEMBERED_NAMESPACES) validNamespaces.add(namespace);
  return true;
}

function checkRef(field: string, ref: ObjectReference): void {
  if (ref.kind === undefined || ref.kind === '') throw new ValidationError(`${field}.kind`, 'is required');
  if (ref.name === undefined || ref.name === '') throw new ValidationError(`${field}.name`, 'is required');
  if (ref.namespace !== undefined && ref.namespace !== '' && !validNamespace(ref.namespace)) {
    throw new ValidationError(`${field}.namespace`, `"${ref.namespace}" is not a valid namespace`);
  }
}

/** Throws a ValidationError for input the apiserver would reject; returns the note to send. */
export function validateEvent(event: RecordedEvent, regarding: ObjectReference): string | undefined {
  if (event.type !== 'Normal' && event.type !== 'Warning') {
    throw new ValidationError('type', `must be "Normal" or "Warning", got ${JSON.stringify(event.type)}`);
  }
  required('reason', event.reason, REASON_MAX_BYTES);
  required('action', event.action, ACTION_MAX_BYTES);
  if (event.note !== undefined && typeof event.note !== 'string') throw new ValidationError('note', 'must be a string');
  checkRef('regarding', regarding);
  if (event.secondary !== undefined) checkRef('secondary', event.secondary);
  return event.note === undefined ? undefined : fitNote(event.note);
}

/** Cuts a note to 1024 bytes on a character boundary, ending with TRUNCATION_MARKER. */
export function fitNote(note: string): string {
  if (fitsUtf8(note, NOTE_MAX_BYTES)) return note;
  return truncateUtf8(note, NOTE_MAX_BYTES - utf8Length(TRUNCATION_MARKER)) + TRUNCATION_MARKER;
}
