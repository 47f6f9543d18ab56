/**
 * The Recorder's arguments, checked at run time (a JavaScript caller can pass anything): the
 * apiserver's Event rules, so that a bad event is a typed ValidationError naming the field, never
 * a 422 or a 400, and the shapes of the target and the reporter, so that a wrong one is never a
 * TypeError. Limits are bytes (Go `len`), from k8s pkg/apis/core/validation/events.go; see shared
 * notes events-api-rules.md. The caller's objects are read once, into checked copies: a getter
 * that throws (or a Proxy) is a ValidationError naming the argument, with the error as `cause`.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '../errors.ts';
import type { ObjectReference } from '../types.ts';
import { isDnsLabel, isDnsSubdomain } from '../util/event-name.ts';
import { fitsUtf8, truncateUtf8, utf8Length } from '../util/utf8.ts';
import type { RecordedEvent, Reporter } from './event.ts';

export const REASON_MAX_BYTES = 128;
export const ACTION_MAX_BYTES = 128;
export const REPORTING_INSTANCE_MAX_BYTES = 128;
export const NOTE_MAX_BYTES = 1024;
/** Appended to a note cut to fit NOTE_MAX_BYTES, so readers see it was cut. */
export const TRUNCATION_MARKER = ' …[truncated]';
/** The longest delay Node.js keeps for a timer (2^31 − 1 ms, 24.8 days); beyond it a timer fires after 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;
/**
 * The message for a duration beyond what a Node.js timer can wait.
 * @example throw new ValidationError('options.idleTimeoutMs', timerLimit(1e12))
 */
export const timerLimit = (ms: number): string =>
  `is ${ms} ms; at most ${MAX_TIMER_MS} ms (2^31 − 1, 24.8 days: Node.js fires a longer timer after 1 ms)`;
/** What every `null` is told: `undefined` means absent, `null` is refused everywhere. */
export const NULL_MESSAGE = 'is null: omit it instead (undefined means absent; null is not accepted)';

/**
 * A short description of any value for an error message; never throws (symbols, bigints, Proxies).
 * @example describeValue('5') // '"5"'; describeValue(5) // '5'; describeValue({}) // 'an object'
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(value);
    case 'bigint':
      return `${value.toString()}n`;
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    default:
      return value === null ? 'null' : Array.isArray(value) ? 'an array' : 'an object';
  }
}

/**
 * What went wrong while reading `field` from the caller: a ValidationError as it is, anything else
 * (a throwing getter, a Proxy) as a ValidationError naming `field`, with the error as `cause`.
 * @example try { read(options) } catch (error) { throw asValidationError('options', error) }
 */
export function asValidationError(field: string, error: unknown): ValidationError {
  try {
    if (error instanceof ValidationError) return error;
    const message: unknown = error instanceof Error ? error.message : undefined;
    const problem = typeof message === 'string' ? message : describeValue(error);
    return new ValidationError(field, `could not be read (${problem})`, { cause: error });
  } catch {
    return new ValidationError(field, 'could not be read', { cause: error });
  }
}

/**
 * Refuses keys of `object` that `known` does not list, and `null` values, naming `<prefix>.<key>`.
 * @example checkKeys('options.spamFilter', spam, new Set(['burst', 'refillIntervalMs', 'maxObjects']), 'of the spam filter')
 */
export function checkKeys(prefix: string, object: object, known: ReadonlySet<string>, what: string): void {
  for (const key of Object.keys(object)) {
    if (!known.has(key)) {
      throw new ValidationError(`${prefix}.${key}`, `is not an option ${what}; known: ${[...known].join(', ')}`);
    }
    if ((object as Record<string, unknown>)[key] === null) throw new ValidationError(`${prefix}.${key}`, NULL_MESSAGE);
  }
}

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

/**
 * Throws unless `controller` is a string and a qualified name (`reportingController`).
 * @example checkController('example.com/my-operator')
 */
export function checkController(controller: unknown): string {
  if (typeof controller !== 'string') {
    throw new ValidationError(
      'reporter.controller',
      `must be a string such as "example.com/my-operator", got ${describeValue(controller)}`,
    );
  }
  const problem = qualifiedNameProblem(controller);
  if (problem !== undefined) {
    throw new ValidationError(
      'reporter.controller',
      `"${controller}" is not a qualified name (${problem}); use e.g. "example.com/my-operator"`,
    );
  }
  return controller;
}

const REPORTER_KEYS: ReadonlySet<string> = new Set(['controller', 'instance'] satisfies (keyof Reporter)[]);

/**
 * Checks the reporter and returns a copy with `instance` fitted to 128 bytes.
 * @throws ValidationError naming `reporter`, `reporter.controller`, `reporter.instance` or an unknown key
 * @example normalizeReporter({ controller: 'example.com/op', instance: 'op-0' })
 */
export function normalizeReporter(reporter: Reporter): Required<Reporter> {
  if (typeof reporter !== 'object' || reporter === null) {
    const got = `must be { controller, instance? }, got ${describeValue(reporter)}`;
    throw new ValidationError('reporter', got);
  }
  try {
    checkKeys('reporter', reporter, REPORTER_KEYS, 'of a reporter');
    const controller = checkController(reporter.controller);
    const instance: unknown = reporter.instance;
    if (instance !== undefined && typeof instance !== 'string') {
      throw new ValidationError('reporter.instance', `must be a string, got ${describeValue(instance)}`);
    }
    return { controller, instance: fitInstance(instance ?? controller) };
  } catch (error) {
    throw asValidationError('reporter', error);
  }
}

/** Too long an instance keeps its first bytes and gets `-<8 hex of sha256>`: deterministic and still distinct. */
export function fitInstance(instance: string): string {
  if (instance === '') throw new ValidationError('reporter.instance', 'must not be empty');
  if (utf8Length(instance) <= REPORTING_INSTANCE_MAX_BYTES) return instance;
  const hash = createHash('sha256').update(instance).digest('hex').slice(0, 8);
  return `${truncateUtf8(instance, REPORTING_INSTANCE_MAX_BYTES - hash.length - 1)}-${hash}`;
}

function required(field: string, value: unknown, maxBytes: number): string {
  if (typeof value !== 'string' || value === '') {
    throw new ValidationError(
      field,
      value === undefined || value === '' ? 'is required' : `must be a non-empty string, got ${describeValue(value)}`,
    );
  }
  if (fitsUtf8(value, maxBytes)) return value;
  throw new ValidationError(field, `is ${utf8Length(value)} bytes; the apiserver allows at most ${maxBytes}`);
}

/** Namespaces already found valid: a controller sees few, and the regex is the costliest check. */
const validNamespaces = new Set<string>();
const MAX_REMEMBERED_NAMESPACES = 10_000;

function validNamespace(namespace: string): boolean {
  if (validNamespaces.has(namespace)) return true;
  if (!isDnsLabel(namespace)) return false;
  if (validNamespaces.size < MAX_REMEMBERED_NAMESPACES) validNamespaces.add(namespace);
  return true;
}

/** How a reference's fields are named in errors: `<prefix>.<key>`, or a function of the key. */
export type RefFieldNames = string | ((key: keyof ObjectReference) => string);

/** Field names are built only to throw: the hot path allocates none. */
const fieldName = (names: RefFieldNames, key: keyof ObjectReference): string =>
  typeof names === 'string' ? `${names}.${key}` : names(key);

/** A string field of a reference: `undefined` for absent or empty. `required`: kind and name of an identified one. */
function refString(
  names: RefFieldNames,
  key: keyof ObjectReference,
  value: unknown,
  required = false,
): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string') return value;
  throw new ValidationError(
    fieldName(names, key),
    value === null && !required ? NULL_MESSAGE : `must be a string, got ${describeValue(value)}`,
  );
}

/**
 * Checks an ObjectReference and returns its identifying fields (apiVersion, kind, namespace, name,
 * uid, fieldPath; empty ones dropped, resourceVersion checked and dropped). Every field present
 * must be a string; the namespace a DNS label. With `identified`, kind and name are required.
 * @param field the argument, for errors; `names` how its fields are named (default `<field>.<key>`)
 * @throws ValidationError naming `<field>` or `<field>.<key>`
 * @example checkRef('regarding', { kind: 'Pod', namespace: 'shop', name: 'web-0' }, true)
 */
export function checkRef(
  field: string,
  ref: unknown,
  identified: boolean,
  names: RefFieldNames = field,
): ObjectReference {
  if (typeof ref !== 'object' || ref === null) {
    const got = `must be an object reference { kind, name, … }, got ${describeValue(ref)}`;
    throw new ValidationError(field, got);
  }
  try {
    const r = ref as Record<string, unknown>;
    const apiVersion = refString(names, 'apiVersion', r.apiVersion);
    const kind = refString(names, 'kind', r.kind, identified);
    const namespace = refString(names, 'namespace', r.namespace);
    const name = refString(names, 'name', r.name, identified);
    const uid = refString(names, 'uid', r.uid);
    const fieldPath = refString(names, 'fieldPath', r.fieldPath);
    refString(names, 'resourceVersion', r.resourceVersion);
    if (identified && kind === undefined) throw new ValidationError(fieldName(names, 'kind'), 'is required');
    if (identified && name === undefined) throw new ValidationError(fieldName(names, 'name'), 'is required');
    if (namespace !== undefined && !validNamespace(namespace)) {
      throw new ValidationError(
        fieldName(names, 'namespace'),
        `"${namespace}" is not a valid namespace: a DNS label (at most 63 lowercase alphanumerics or "-", alphanumeric at both ends, no ".")`,
      );
    }
    const out: ObjectReference = {};
    if (apiVersion !== undefined) out.apiVersion = apiVersion;
    if (kind !== undefined) out.kind = kind;
    if (namespace !== undefined) out.namespace = namespace;
    if (name !== undefined) out.name = name;
    if (uid !== undefined) out.uid = uid;
    if (fieldPath !== undefined) out.fieldPath = fieldPath;
    return out;
  } catch (error) {
    throw asValidationError(field, error);
  }
}

/** An optional argument given as `null`: refused, with the advice to omit it. */
function nonNull(field: string, value: unknown): unknown {
  if (value === null) throw new ValidationError(field, NULL_MESSAGE);
  return value;
}

/**
 * Checks an event against the apiserver's rules and returns a checked copy: the note cut to fit,
 * `secondary` as its identifying fields. The caller's object is read once.
 * @throws ValidationError naming `event`, `type`, `reason`, `action`, `note` or `secondary.<key>`
 * @example checkEvent({ type: 'Warning', reason: 'BackOff', action: 'Reconcile', note: 'image pull failed' })
 */
export function checkEvent(event: unknown): RecordedEvent {
  if (typeof event !== 'object' || event === null) {
    const got = `must be { type, reason, action, note? }, got ${describeValue(event)}`;
    throw new ValidationError('event', got);
  }
  try {
    const e = event as Record<string, unknown>;
    const type = e.type;
    if (type !== 'Normal' && type !== 'Warning') {
      throw new ValidationError('type', `must be "Normal" or "Warning", got ${describeValue(type)}`);
    }
    const reason = required('reason', e.reason, REASON_MAX_BYTES);
    const action = required('action', e.action, ACTION_MAX_BYTES);
    const note = e.note;
    if (note !== undefined && typeof note !== 'string') {
      throw new ValidationError('note', note === null ? NULL_MESSAGE : `must be a string, got ${describeValue(note)}`);
    }
    const secondary = e.secondary;
    return {
      type,
      reason,
      action,
      note: note === undefined ? undefined : fitNote(note),
      secondary: secondary === undefined ? undefined : checkRef('secondary', nonNull('secondary', secondary), true),
    };
  } catch (error) {
    throw asValidationError('event', error);
  }
}

/**
 * Throws a ValidationError for input the apiserver would reject; returns the note to send.
 * @example const note = validateEvent(event, regarding);
 */
export function validateEvent(event: RecordedEvent, regarding: ObjectReference): string | undefined {
  const checked = checkEvent(event);
  checkRef('regarding', regarding, true);
  return checked.note;
}

/** Cuts a note to 1024 bytes on a character boundary, ending with TRUNCATION_MARKER. */
export function fitNote(note: string): string {
  if (fitsUtf8(note, NOTE_MAX_BYTES)) return note;
  return truncateUtf8(note, NOTE_MAX_BYTES - utf8Length(TRUNCATION_MARKER)) + TRUNCATION_MARKER;
}

function isSink(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const sink = value as Record<string, unknown>;
  return typeof sink.create === 'function' && typeof sink.patch === 'function';
}

const TARGET_SHAPE = 'must be a connection from connect(), { sink } or { coreSink }';

/**
 * Checks the Recorder's target and returns a plain copy of the part it uses.
 * @throws ValidationError naming `target` or `target.<sink>` (which must have create() and patch())
 * @example checkTarget({ sink: mySink })
 */
export function checkTarget<T>(target: T): T {
  if (typeof target !== 'object' || target === null) {
    throw new ValidationError('target', `${TARGET_SHAPE}, got ${describeValue(target)}`);
  }
  try {
    const t = target as Record<string, unknown>;
    const copy: Record<string, unknown> = {};
    for (const key of ['events', 'coreEvents', 'sink', 'coreSink']) {
      const sink = t[key];
      if (sink === undefined) continue;
      if (!isSink(sink)) {
        throw new ValidationError(
          `target.${key}`,
          `must have create() and patch() methods, got ${describeValue(sink)}`,
        );
      }
      copy[key] = sink;
    }
    if (copy.events === undefined && copy.sink === undefined && copy.coreSink === undefined) {
      throw new ValidationError('target', `${TARGET_SHAPE} (it has none of events, sink, coreSink)`);
    }
    return copy as T;
  } catch (error) {
    throw asValidationError('target', error);
  }
}
