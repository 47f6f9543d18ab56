/**
 * Run-time checks of connect()'s options. A JavaScript caller can pass anything, so every option is
 * checked here, before anything is read or built, and a bad one is a ValidationError naming it
 * (`options.execTimeoutMs`, `options.retry.maxRetries`): never a TypeError from deep inside, never a
 * timer that fires at once. `undefined` means absent; `null` is refused; unknown names are refused,
 * also inside nested option objects (`retry`, `rateLimit`).
 */
import { ValidationError } from '../errors.ts';
import type { ConnectOptions } from './index.ts';
import type { LoadConfigOptions } from './load-config.ts';

/**
 * The longest delay Node's timers take (2^31 − 1 ms, about 24.8 days): a longer one fires at once
 * with a TimeoutOverflowWarning, so every option in milliseconds is capped here.
 * @example
 * ```ts
 * await connect({ execTimeoutMs: MAX_TIMER_MS + 1 }); // rejects: options.execTimeoutMs: must be at most 2147483647 ms …
 * ```
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * What a value is, for a message: numbers, booleans and short strings as given, anything else by
 * its type only (an object's content is never shown: it may hold a credential).
 * @example
 * ```ts
 * describeValue(0);               // '0'
 * describeValue('yes');           // '"yes"'
 * describeValue({ token: 'x' });  // 'an object'
 * ```
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string')
    return value.length <= 60 ? JSON.stringify(value) : `a string of ${value.length} characters`;
  return kindOf(value);
}

/** `null`, `undefined`, `an array`, `an object`, `a string`, `a function` …: the type, never the content. */
function kindOf(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * A check of one option: throws a ValidationError naming `field` when `value` is wrong.
 * @example
 * ```ts
 * const positive: OptionCheck = (value, field) => {
 *   if (typeof value !== 'number' || !(value > 0)) throw new ValidationError(field, 'must be > 0');
 * };
 * ```
 */
export type OptionCheck = (value: unknown, field: string) => void;

/**
 * The value as an object (not null, not an array), or a ValidationError naming `field`.
 * @example
 * ```ts
 * requireObject(null, 'options.retry', 'an object or false'); // throws: options.retry: must be an object or false, got null
 * ```
 */
export function requireObject(value: unknown, field: string, what = 'an object'): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError(field, `must be ${what}, got ${describeValue(value)}`);
  }
  return value as Record<string, unknown>;
}

/**
 * Every own key of `value` must be in `known` (else a ValidationError `<prefix>.<key>: unknown
 * option`, suggesting a name that differs only in case); each present (not `undefined`) value
 * passes its check. Give `known` as `{ … } satisfies Record<keyof Options, OptionCheck>`, so that a
 * new option does not compile until it has a check.
 * @example
 * ```ts
 * const CHECKS = { maxRetries: integerAtLeast(0), baseDelayMs: milliseconds } satisfies Record<string, OptionCheck>;
 * checkKnownOptions({ maxretries: 3 }, 'options.retry', CHECKS);
 * // throws: options.retry.maxretries: unknown option (did you mean maxRetries?); known: maxRetries, baseDelayMs
 * ```
 */
export function checkKnownOptions(
  value: Record<string, unknown>,
  prefix: string,
  known: Record<string, OptionCheck>,
): void {
  const names = Object.keys(known);
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(known, key)) {
      const near = names.find((name) => name.toLowerCase() === key.toLowerCase());
      throw new ValidationError(
        `${prefix}.${key}`,
        `unknown option${near !== undefined ? ` (did you mean ${near}?)` : ''}; known: ${names.join(', ')}`,
      );
    }
  }
  for (const [key, check] of Object.entries(known)) {
    const option = value[key];
    if (option !== undefined) check(option, `${prefix}.${key}`);
  }
}

/**
 * A duration in ms: a finite number > 0 and ≤ {@link MAX_TIMER_MS} (0 would fire a timeout at once).
 * @example
 * ```ts
 * milliseconds(0, 'options.execTimeoutMs'); // throws: options.execTimeoutMs: must be a number of milliseconds > 0, got 0
 * ```
 */
export const milliseconds: OptionCheck = (value, field) => {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ValidationError(field, `must be a number of milliseconds > 0, got ${describeValue(value)}`);
  }
  if (value > MAX_TIMER_MS) {
    throw new ValidationError(
      field,
      `must be at most ${MAX_TIMER_MS} ms (2^31 − 1, about 24.8 days: the longest timer Node can set), got ${value}`,
    );
  }
};

/**
 * A check that the value is a whole number ≥ `min`.
 * @example
 * ```ts
 * integerAtLeast(0)(1.5, 'options.retry.maxRetries'); // throws: options.retry.maxRetries: must be a whole number ≥ 0, got 1.5
 * ```
 */
export const integerAtLeast =
  (min: number): OptionCheck =>
  (value, field) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      throw new ValidationError(field, `must be a whole number ≥ ${min}, got ${describeValue(value)}`);
    }
  };

const booleanOption: OptionCheck = (value, field) => {
  if (typeof value !== 'boolean')
    throw new ValidationError(field, `must be true or false, got ${describeValue(value)}`);
};

const nonEmptyString: OptionCheck = (value, field) => {
  if (typeof value !== 'string' || value === '') {
    throw new ValidationError(field, `must be a non-empty string, got ${describeValue(value)}`);
  }
};

const functionOption: OptionCheck = (value, field) => {
  if (typeof value !== 'function') throw new ValidationError(field, `must be a function, got ${describeValue(value)}`);
};

/** A header value: no control characters (CR and LF would end the header), nothing beyond Latin-1. */
const HEADER_SAFE = /^[\t\x20-\x7e\x80-\xff]+$/;

const headerValue: OptionCheck = (value, field) => {
  nonEmptyString(value, field);
  if (!HEADER_SAFE.test(value as string)) {
    throw new ValidationError(field, 'must be printable text without control characters (it is sent as a header)');
  }
};

/** The apiserver's limit on `fieldManager` (managedFields validation): 128 characters. */
const FIELD_MANAGER_MAX_LENGTH = 128;

const fieldManager: OptionCheck = (value, field) => {
  headerValue(value, field);
  const { length } = value as string;
  if (length > FIELD_MANAGER_MAX_LENGTH) {
    throw new ValidationError(
      field,
      `is ${length} characters; the apiserver allows at most ${FIELD_MANAGER_MAX_LENGTH}`,
    );
  }
};

/** A namespace name: an RFC 1123 label (lower-case letters, digits and '-', at most 63). */
const namespaceName: OptionCheck = (value, field) => {
  nonEmptyString(value, field);
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(value as string)) {
    throw new ValidationError(
      field,
      `must be a namespace name (lower-case letters, digits and '-', at most 63), got ${describeValue(value)}`,
    );
  }
};

/** An environment: an object whose values are strings (or undefined); values are never quoted, they may be secrets. */
const environment: OptionCheck = (value, field) => {
  const env = requireObject(value, field, 'an object of environment variables');
  for (const [name, entry] of Object.entries(env)) {
    if (entry !== undefined && typeof entry !== 'string') {
      throw new ValidationError(`${field}.${name}`, `must be a string, got ${kindOf(entry)}`);
    }
  }
};

/** `kubeconfig`: a path, a list of paths, or a kubeconfig object (file shape or a client-node KubeConfig). */
const kubeconfigSource: OptionCheck = (value, field) => {
  if (typeof value === 'string') return nonEmptyString(value, field);
  if (Array.isArray(value)) {
    value.forEach((path: unknown, i) => {
      if (typeof path !== 'string')
        throw new ValidationError(`${field}[${i}]`, `must be a path, got ${describeValue(path)}`);
    });
    return;
  }
  requireObject(value, field, 'a path, a list of paths or a kubeconfig object');
};

/** `maxConnections`: a whole number ≥ 1, or `false` for no cap. */
const connectionCap: OptionCheck = (value, field) => {
  if (value === false) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new ValidationError(field, `must be a positive integer or false (no cap), got ${describeValue(value)}`);
  }
};

/**
 * `retry` and `rateLimit`: `false`, or an object checked here for its type only; its fields are
 * checked (and named) by retryPolicy() and rateLimiter(), which own them.
 */
const falseOrObject: OptionCheck = (value, field) => {
  if (value !== false) requireObject(value, field, 'an object or false');
};

/** One check per option of connect(): a new option does not compile until it has one. */
const CONNECT_OPTION_CHECKS = {
  kubeconfig: kubeconfigSource,
  context: nonEmptyString,
  namespace: namespaceName,
  inCluster: booleanOption,
  retry: falseOrObject,
  rateLimit: falseOrObject,
  timeoutMs: milliseconds,
  maxConnections: connectionCap,
  http2: booleanOption,
  userAgent: headerValue,
  fieldManager,
  execTimeoutMs: milliseconds,
  warn: functionOption,
  env: environment,
  serviceAccountDir: nonEmptyString,
} satisfies Record<keyof ConnectOptions, OptionCheck>;

/**
 * Checks connect()'s options (the top level; `retry` and `rateLimit` fields are checked by
 * retryPolicy() and rateLimiter()) and returns them typed. `undefined` stands for `{}`.
 * @throws ValidationError naming the option, e.g. `options.execTimeoutMs: must be a number of milliseconds > 0, got 0`
 * @example
 * ```ts
 * checkConnectOptions({ execTimeoutMs: 0 }); // throws ValidationError (field options.execTimeoutMs)
 * const options = checkConnectOptions(untrusted); // a ConnectOptions whose values have the documented types
 * ```
 */
export function checkConnectOptions(options: unknown): ConnectOptions {
  if (options === undefined) return {};
  const object = requireObject(options, 'options');
  checkKnownOptions(object, 'options', CONNECT_OPTION_CHECKS);
  return object;
}

/** loadConfig()'s options: connect() passes its own on, plus what only tests set. */
const LOAD_CONFIG_OPTION_CHECKS = {
  kubeconfig: kubeconfigSource,
  context: nonEmptyString,
  namespace: namespaceName,
  inCluster: booleanOption,
  env: environment,
  homeDir: nonEmptyString,
  execTimeoutMs: milliseconds,
  execStderr: functionOption,
  tokenReloadMs: milliseconds,
  serviceAccountDir: nonEmptyString,
  warn: functionOption,
} satisfies Record<keyof LoadConfigOptions, OptionCheck>;

/**
 * Checks loadConfig()'s options as {@link checkConnectOptions} does connect()'s, and that
 * `inCluster: true` is not combined with `kubeconfig` or `context`.
 * @throws ValidationError naming the option, e.g. `options.tokenReloadMs`
 * @example
 * ```ts
 * checkLoadConfigOptions({ inCluster: true, context: 'dev' }); // throws: options.inCluster: cannot be combined with kubeconfig or context
 * ```
 */
export function checkLoadConfigOptions(options: unknown): LoadConfigOptions {
  if (options === undefined) return {};
  const object = requireObject(options, 'options');
  checkKnownOptions(object, 'options', LOAD_CONFIG_OPTION_CHECKS);
  const checked = object as LoadConfigOptions;
  if (checked.inCluster === true && (checked.kubeconfig !== undefined || checked.context !== undefined)) {
    throw new ValidationError('options.inCluster', 'cannot be combined with kubeconfig or context');
  }
  return checked;
}
