/**
 * Recorder options, their defaults (every budget in one place) and their validation: unknown keys
 * (nested ones too) and `null` are refused, numbers are checked for type and range, and every
 * duration that ends up in a timer is at most 2^31 − 1 ms (Node.js fires a longer timer at once).
 */
import { ValidationError } from '../errors.ts';
import type { KubeEventsError } from '../errors.ts';
import { resolveAdaptiveLimiterOptions, type AdaptiveLimiterOptions } from './adaptive-limiter-options.ts';
import type { DrainOptions, RecorderHooks } from './api.ts';
import type { RecorderClock } from './clock.ts';
import { asValidationError, checkKeys, describeValue, MAX_TIMER_MS, NULL_MESSAGE, timerLimit } from './validate.ts';

export { MAX_TIMER_MS } from './validate.ts';

/** Budgets, as named constants. */
export const RECORDER_DEFAULTS = {
  /** First wait before a coalesced write; doubles while the series keeps firing. */
  minWriteIntervalMs: 1_000,
  /** Longest wait between writes of a firing series. */
  maxWriteIntervalMs: 60_000,
  /** A live series is written at least this often (KEP-383's heartbeat). */
  heartbeatMs: 30 * 60_000,
  /** The apiserver's `--event-ttl` (default 1 h): heartbeats stay below half of it. */
  eventTtlMs: 60 * 60_000,
  /** A series idle this long gets its final write and leaves the cache (KEP-383: 6 min). */
  idleTimeoutMs: 6 * 60_000,
  /**
   * Live series kept in memory; beyond it the least recently used leaves after its count is written.
   * Series that left with a write still due count against it too: a new series is refused beyond it.
   */
  maxSeries: 10_000,
  /**
   * Writes queued or in flight (one per series at most) before a new series is refused (counted in
   * `dropped.overload`). Undefined: 2 × `maxSeries`, one per series in memory (live or retiring), so
   * a startup burst of as many distinct Events as the cache holds is written, not shed; memory is
   * bounded by the series either way.
   */
  maxPendingWrites: undefined,
  /** How fast the Recorder writes: learnt from the apiserver's answers (adaptive-limiter.ts). */
  writeBudget: 'adaptive',
  /** The write budget while close() writes what is left: a bounded backlog, so faster (a pod's grace period is short). */
  shutdownWriteBudget: { qps: 200, burst: 200 },
  /** How long flush() may take by default. */
  flushTimeoutMs: 25_000,
  /** How long close() may take by default: a pod's default grace period is 30 s. */
  closeTimeoutMs: 25_000,
  /** Namespace of events about cluster-scoped objects (`kube-system` for servers older than 1.23). */
  clusterScopedNamespace: 'default',
} as const;

/** The spam filter's budgets, when `spamFilter` is `true` or leaves one out. */
export const SPAM_FILTER_DEFAULTS = { burst: 25, refillIntervalMs: 300_000, maxObjects: 4096 } as const;

/**
 * Largest `maxSeries` and `spamFilter.maxObjects`: their LRU allocates its tables up front (about
 * 36 bytes an entry), so a huge value would exhaust memory at construction rather than fail.
 */
export const MAX_CACHE_ENTRIES = 10_000_000;

/** Slowest fixed write budget (`qps`): one write per MAX_TIMER_MS, the longest wait a timer can hold. */
export const MIN_RATE_PER_SECOND = 1000 / MAX_TIMER_MS;

/**
 * Optional per-object spam filter, as client-go's legacy recorder: a burst, then one event per
 * interval. Only these three keys: another one is a ValidationError naming it.
 * @example new Recorder(conn, reporter, { spamFilter: { burst: 10, refillIntervalMs: 60_000 } })
 */
export interface SpamFilterOptions {
  /** Events per (object, type) let through at once: a positive integer. @default 25 */
  burst?: number;
  /** One more event is allowed per this many ms, at most 2147483647 (2^31 − 1). @default 300000 (5 min) */
  refillIntervalMs?: number;
  /** Objects tracked (LRU), an integer up to 10,000,000. @default 4096 */
  maxObjects?: number;
}

/**
 * Hooks for what the Recorder does not throw. Nothing is printed by default. `console` and other
 * logger objects are taken as they are; an object literal may hold only `debug` and `warn`.
 * @example new Recorder(conn, reporter, { logger: console })
 */
export interface RecorderLogger {
  debug?(message: string, fields?: Record<string, unknown>): void;
  warn?(message: string, fields?: Record<string, unknown>): void;
}

/**
 * The Recorder's options. Each is checked at construction, with a ValidationError naming it
 * (`options.<name>`, `options.<name>.<key>` for nested ones): unknown keys are refused at every
 * level, `undefined` means absent and `null` is refused (omit the option instead), and every `…Ms`
 * duration must be positive and at most 2147483647 ms (2^31 − 1, the longest Node.js timer).
 * @example new Recorder(conn, reporter, { idleTimeoutMs: 60_000, spamFilter: true, onError: (e) => log(e) })
 */
export interface RecorderOptions {
  /** @default 1000 */
  minWriteIntervalMs?: number;
  /** @default 60000 */
  maxWriteIntervalMs?: number;
  /** @default 1800000 (30 min) */
  heartbeatMs?: number;
  /** The server's `--event-ttl`, when shorter than the default 1 h. @default 3600000 */
  eventTtlMs?: number;
  /** @default 360000 (6 min) */
  idleTimeoutMs?: number;
  /** A positive integer up to 10,000,000 (the LRU's tables are allocated up front). @default 10000 */
  maxSeries?: number;
  /** @default 2 × maxSeries */
  maxPendingWrites?: number;
  /**
   * `'adaptive'`: as many writes in flight as the apiserver answers quickly, fewer on 429, 5xx,
   * timeouts or rising latency, paused for a Retry-After; an object of limiter options tunes it
   * (e.g. `{ maxWritesPerSecond: 50 }` as a ceiling). `{ qps, burst }`: a fixed token bucket; an
   * object with `qps`, or with `burst` but no `maxWritesPerSecond`, is one and needs both (and
   * nothing else). `false`: no limit (a connection's own `rateLimit`, if set, still applies).
   * @default 'adaptive'
   */
  writeBudget?: 'adaptive' | AdaptiveLimiterOptions | { qps: number; burst: number } | false;
  /** Replaces a fixed `writeBudget` during close() (never slower than it); `false`: no budget while closing. The adaptive limiter goes on as it is (as fast as the server answers). @default { qps: 200, burst: 200 } */
  shutdownWriteBudget?: { qps: number; burst: number } | false;
  /** `true`: on with the defaults; an object tunes it; `false` (or absent): off. @default false */
  spamFilter?: SpamFilterOptions | true | false;
  /** Put the note into the series key: a different note starts a new Event (the server makes the note immutable). @default false */
  noteInKey?: boolean;
  /** @default 'default' */
  clusterScopedNamespace?: 'default' | 'kube-system';
  /**
   * Write through core/v1 (`/api/v1`) and fill the legacy fields too: `count`, `firstTimestamp`,
   * `lastTimestamp` and `source`, which events.k8s.io/v1 cannot set and which many consumers read
   * (the OpenTelemetry Collector's k8s_events receiver, other core/v1 clients, `--sort-by=.lastTimestamp`).
   * Needs `create` and `patch` on `events` in apiGroup `""` instead of `events.k8s.io`.
   * @default false
   */
  legacyFields?: boolean;
  /**
   * Called with every failed write (the count stays in memory and is retried), every input emit()
   * refused, and every loss: an EventsLostError per series, with how many occurrences were lost and why.
   * Guarded: what it throws, or a promise it returns that rejects, is counted in `stats().hookErrors`.
   */
  onError?: (error: KubeEventsError) => unknown;
  logger?: RecorderLogger;
}

export interface ResolvedRecorderOptions {
  minWriteIntervalMs: number;
  /** min(maxWriteIntervalMs, heartbeatMs, eventTtlMs / 2). */
  maxWriteIntervalMs: number;
  idleTimeoutMs: number;
  maxSeries: number;
  maxPendingWrites: number;
  writeBudget: WriteBudget;
  shutdownWriteBudget: { qps: number; burst: number } | false;
  spamFilter: Required<SpamFilterOptions> | false;
  noteInKey: boolean;
  clusterScopedNamespace: 'default' | 'kube-system';
  legacyFields: boolean;
  onError: ((error: KubeEventsError) => unknown) | undefined;
  logger: RecorderLogger;
}

// Compile-checked registry: an option missing here (or misspelt) fails the type check.
const KNOWN: ReadonlySet<string> = new Set(
  Object.keys({
    minWriteIntervalMs: true,
    maxWriteIntervalMs: true,
    heartbeatMs: true,
    eventTtlMs: true,
    idleTimeoutMs: true,
    maxSeries: true,
    maxPendingWrites: true,
    writeBudget: true,
    shutdownWriteBudget: true,
    spamFilter: true,
    noteInKey: true,
    clusterScopedNamespace: true,
    legacyFields: true,
    onError: true,
    logger: true,
  } satisfies Record<keyof RecorderOptions, true>),
);
const BUCKET_KEYS: ReadonlySet<string> = new Set(['qps', 'burst']);
const SPAM_FILTER_KEYS: ReadonlySet<string> = new Set(
  Object.keys({ burst: true, refillIntervalMs: true, maxObjects: true } satisfies Record<
    keyof SpamFilterOptions,
    true
  >),
);
const LOGGER_KEYS: ReadonlySet<string> = new Set(['debug', 'warn'] satisfies (keyof RecorderLogger)[]);
const HOOK_KEYS = ['now', 'microTime', 'setTimeout', 'clearTimeout'] as const satisfies (keyof RecorderClock)[];

function positive(name: string, value: unknown, integer = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isSafeInteger(value))) {
    throw new ValidationError(
      `options.${name}`,
      `must be a positive ${integer ? 'integer' : 'number'}, got ${describeValue(value)}`,
    );
  }
  return value;
}

/** A duration that ends up in a timer: positive and at most MAX_TIMER_MS. */
function duration(name: string, value: unknown): number {
  const ms = positive(name, value);
  if (ms > MAX_TIMER_MS) throw new ValidationError(`options.${name}`, timerLimit(ms));
  return ms;
}

/** An LRU size: an integer up to MAX_CACHE_ENTRIES (the LRU allocates its tables up front). */
function entries(name: string, value: unknown): number {
  const n = positive(name, value, true);
  if (n > MAX_CACHE_ENTRIES) {
    throw new ValidationError(
      `options.${name}`,
      `is ${n}; at most ${MAX_CACHE_ENTRIES} (its table is allocated up front)`,
    );
  }
  return n;
}

function boolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean')
    throw new ValidationError(`options.${name}`, `must be true or false, got ${describeValue(value)}`);
  return value;
}

/** The write budget as resolved: the adaptive limiter's (validated) options, a fixed bucket, or none. */
export type WriteBudget = { adaptive: AdaptiveLimiterOptions } | { qps: number; burst: number } | false;

/** `{ qps, burst }`, both required and nothing else. Rates below one per MAX_TIMER_MS would need a longer timer. */
function bucket(name: 'writeBudget' | 'shutdownWriteBudget', budget: object): { qps: number; burst: number } {
  checkKeys(`options.${name}`, budget, BUCKET_KEYS, 'of a token bucket { qps, burst }');
  const { qps, burst } = budget as Record<string, unknown>;
  for (const [key, value] of [
    ['qps', qps],
    ['burst', burst],
  ] as const) {
    if (value === undefined) {
      throw new ValidationError(`options.${name}.${key}`, 'is required: a token bucket needs both qps and burst');
    }
  }
  const rate = positive(`${name}.qps`, qps);
  if (rate < MIN_RATE_PER_SECOND) {
    throw new ValidationError(
      `options.${name}.qps`,
      `is ${rate}; at least ${MIN_RATE_PER_SECOND} (one write per ${MAX_TIMER_MS} ms, the longest timer)`,
    );
  }
  return { qps: rate, burst: positive(`${name}.burst`, burst, true) };
}

const WRITE_BUDGET_SHAPE = "must be 'adaptive', limiter options, { qps, burst } or false";

function steadyBudget(budget: unknown): WriteBudget {
  if (budget === false) return false;
  if (budget === 'adaptive') return { adaptive: {} };
  if (typeof budget !== 'object' || budget === null || Array.isArray(budget)) {
    throw new ValidationError('options.writeBudget', `${WRITE_BUDGET_SHAPE}, got ${describeValue(budget)}`);
  }
  // `qps` makes a token bucket; `burst` alone too (the limiter's burst goes with maxWritesPerSecond).
  if ('qps' in budget || ('burst' in budget && !('maxWritesPerSecond' in budget))) return bucket('writeBudget', budget);
  const limiter = { ...budget } as AdaptiveLimiterOptions;
  resolveAdaptiveLimiterOptions(limiter, 'options.writeBudget');
  return { adaptive: limiter };
}

function shutdownBudget(budget: unknown): { qps: number; burst: number } | false {
  if (budget === false) return false;
  if (typeof budget !== 'object' || budget === null || Array.isArray(budget)) {
    throw new ValidationError(
      'options.shutdownWriteBudget',
      `must be { qps, burst } or false, got ${describeValue(budget)}`,
    );
  }
  return bucket('shutdownWriteBudget', budget);
}

function spamFilter(spam: unknown): Required<SpamFilterOptions> | false {
  if (spam === undefined || spam === false) return false;
  if (spam !== true && (typeof spam !== 'object' || spam === null || Array.isArray(spam))) {
    throw new ValidationError(
      'options.spamFilter',
      `must be true, false or { burst, refillIntervalMs, maxObjects }, got ${describeValue(spam)}`,
    );
  }
  const given = (spam === true ? {} : spam) as SpamFilterOptions;
  checkKeys('options.spamFilter', given, SPAM_FILTER_KEYS, 'of the spam filter');
  const d = SPAM_FILTER_DEFAULTS;
  return {
    burst: positive('spamFilter.burst', given.burst ?? d.burst, true),
    refillIntervalMs: duration('spamFilter.refillIntervalMs', given.refillIntervalMs ?? d.refillIntervalMs),
    maxObjects: entries('spamFilter.maxObjects', given.maxObjects ?? d.maxObjects),
  };
}

/**
 * A plain object literal may hold only `debug` and `warn` (a typo would lose the log); any other
 * object (`console`, a pino or winston logger) is taken as it is, its `debug`/`warn` checked.
 */
function logger(value: unknown): RecorderLogger {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null) {
    throw new ValidationError(
      'options.logger',
      `must be an object with debug() and/or warn(), got ${describeValue(value)}`,
    );
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype === Object.prototype || prototype === null)
    checkKeys('options.logger', value, LOGGER_KEYS, 'of a logger');
  for (const key of LOGGER_KEYS) {
    const method = (value as Record<string, unknown>)[key];
    if (method !== undefined && typeof method !== 'function') {
      throw new ValidationError(`options.logger.${key}`, `must be a function, got ${describeValue(method)}`);
    }
  }
  return value;
}

/**
 * Validates every option (unknown and `null` ones are refused, nested ones too) and fills in the defaults.
 * @throws ValidationError naming the option, e.g. `options.writeBudget.qps`
 * @example resolveRecorderOptions({ spamFilter: true, idleTimeoutMs: 60_000 })
 */
export function resolveRecorderOptions(options: RecorderOptions = {}): ResolvedRecorderOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ValidationError('options', `must be an object, got ${describeValue(options)}`);
  }
  try {
    return resolve(options);
  } catch (error) {
    throw asValidationError('options', error);
  }
}

function resolve(options: RecorderOptions): ResolvedRecorderOptions {
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new ValidationError(`options.${key}`, `unknown option; known: ${[...KNOWN].join(', ')}`);
    if (options[key as keyof RecorderOptions] === null) throw new ValidationError(`options.${key}`, NULL_MESSAGE);
  }
  const d = RECORDER_DEFAULTS;
  const min = duration('minWriteIntervalMs', options.minWriteIntervalMs ?? d.minWriteIntervalMs);
  const max = Math.min(
    duration('maxWriteIntervalMs', options.maxWriteIntervalMs ?? d.maxWriteIntervalMs),
    duration('heartbeatMs', options.heartbeatMs ?? d.heartbeatMs),
    duration('eventTtlMs', options.eventTtlMs ?? d.eventTtlMs) / 2,
  );
  if (max < min) {
    throw new ValidationError(
      'options.maxWriteIntervalMs',
      `the longest write interval (${max} ms, after heartbeat and TTL) is below minWriteIntervalMs (${min} ms)`,
    );
  }
  const maxSeries = entries('maxSeries', options.maxSeries ?? d.maxSeries);
  const namespace: unknown = options.clusterScopedNamespace ?? d.clusterScopedNamespace;
  if (namespace !== 'default' && namespace !== 'kube-system') {
    throw new ValidationError(
      'options.clusterScopedNamespace',
      `must be "default" or "kube-system" (the only namespaces the apiserver accepts for them), got ${describeValue(namespace)}`,
    );
  }
  const onError: unknown = options.onError;
  if (onError !== undefined && typeof onError !== 'function') {
    throw new ValidationError('options.onError', `must be a function, got ${describeValue(onError)}`);
  }
  return {
    minWriteIntervalMs: min,
    maxWriteIntervalMs: max,
    idleTimeoutMs: duration('idleTimeoutMs', options.idleTimeoutMs ?? d.idleTimeoutMs),
    maxSeries,
    maxPendingWrites: positive('maxPendingWrites', options.maxPendingWrites ?? 2 * maxSeries, true),
    writeBudget: steadyBudget(options.writeBudget ?? d.writeBudget),
    shutdownWriteBudget: shutdownBudget(options.shutdownWriteBudget ?? d.shutdownWriteBudget),
    spamFilter: spamFilter(options.spamFilter),
    noteInKey: boolean('noteInKey', options.noteInKey ?? false),
    clusterScopedNamespace: namespace,
    legacyFields: boolean('legacyFields', options.legacyFields ?? false),
    onError: options.onError,
    logger: logger(options.logger),
  };
}

/**
 * The constructor's third argument: checks that it is an object (or absent) and its test hooks
 * (`clock`, `random`), and returns a plain copy, so that what follows reads no getter twice.
 * @throws ValidationError naming `options`, `options.clock` or `options.random`
 * @example const { clock, random, ...rest } = recorderArguments(options);
 */
export function recorderArguments(options: unknown): RecorderOptions & RecorderHooks {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ValidationError(
      'options',
      options === null ? NULL_MESSAGE : `must be an object, got ${describeValue(options)}`,
    );
  }
  try {
    const copy = { ...options } as RecorderOptions & RecorderHooks;
    const { clock, random } = copy as Record<string, unknown>;
    if (clock !== undefined) {
      const methods = typeof clock === 'object' && clock !== null ? (clock as Record<string, unknown>) : undefined;
      const missing = HOOK_KEYS.find((key) => typeof methods?.[key] !== 'function');
      if (missing !== undefined) {
        throw new ValidationError(
          'options.clock',
          `must be a RecorderClock (e.g. a ManualClock): ${missing}() is missing`,
        );
      }
    }
    if (random !== undefined && typeof random !== 'function') {
      throw new ValidationError('options.random', `must be a function returning [0, 1), got ${describeValue(random)}`);
    }
    return copy;
  } catch (error) {
    throw asValidationError('options', error);
  }
}

const DRAIN_KEYS: ReadonlySet<string> = new Set(['timeoutMs'] satisfies (keyof DrainOptions)[]);

/**
 * The `timeoutMs` of flush() or close(), or `fallback`.
 * @throws ValidationError naming `options` (not an object), `timeoutMs` (not a finite number of ms
 *   in [0, 2^31 − 1]) or an unknown key
 * @example const timeoutMs = drainTimeout(options, RECORDER_DEFAULTS.flushTimeoutMs);
 */
export function drainTimeout(options: DrainOptions | undefined, fallback: number): number {
  if (options === undefined) return fallback;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ValidationError(
      'options',
      options === null ? NULL_MESSAGE : `must be { timeoutMs }, got ${describeValue(options)}`,
    );
  }
  let timeoutMs: unknown;
  try {
    for (const key of Object.keys(options)) {
      if (!DRAIN_KEYS.has(key))
        throw new ValidationError(key, 'is not an option of flush() or close(); the only one is timeoutMs');
    }
    timeoutMs = options.timeoutMs;
  } catch (error) {
    throw asValidationError('options', error);
  }
  if (timeoutMs === undefined) return fallback;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0) {
    const got =
      timeoutMs === null
        ? NULL_MESSAGE
        : `must be a finite number of milliseconds ≥ 0, got ${describeValue(timeoutMs)}`;
    throw new ValidationError('timeoutMs', got);
  }
  if (timeoutMs > MAX_TIMER_MS) throw new ValidationError('timeoutMs', timerLimit(timeoutMs));
  return timeoutMs;
}
