/** Recorder options, their defaults (every budget in one place) and their validation. */
import { ValidationError } from '../errors.ts';
import { resolveAdaptiveLimiterOptions, type AdaptiveLimiterOptions } from './adaptive-limiter-options.ts';
import type { KubeEventsError } from '../errors.ts';

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

/** Optional per-object spam filter, as client-go's legacy recorder: a burst, then one event per interval. */
export interface SpamFilterOptions {
  /** @default 25 */
  burst?: number;
  /** One more event is allowed per this many ms. @default 300000 (5 min) */
  refillIntervalMs?: number;
  /** Objects tracked (LRU). @default 4096 */
  maxObjects?: number;
}

/** Hooks for what the Recorder does not throw. Nothing is printed by default. */
export interface RecorderLogger {
  debug?(message: string, fields?: Record<string, unknown>): void;
  warn?(message: string, fields?: Record<string, unknown>): void;
}

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
  /** @default 10000 */
  maxSeries?: number;
  /** @default 2 × maxSeries */
  maxPendingWrites?: number;
  /**
   * `'adaptive'`: as many writes in flight as the apiserver answers quickly, fewer on 429, 5xx,
   * timeouts or rising latency, paused for a Retry-After; an object of limiter options tunes it
   * (e.g. `{ maxWritesPerSecond: 50 }` as a ceiling). `{ qps, burst }`: a fixed token bucket.
   * `false`: no limit (a connection's own `rateLimit`, if set, still applies).
   * @default 'adaptive'
   */
  writeBudget?: 'adaptive' | AdaptiveLimiterOptions | { qps: number; burst: number } | false;
  /** Replaces a fixed `writeBudget` during close() (never slower than it); `false`: no budget while closing. The adaptive limiter goes on as it is (as fast as the server answers). @default { qps: 200, burst: 200 } */
  shutdownWriteBudget?: { qps: number; burst: number } | false;
  /** Off unless given. */
  spamFilter?: SpamFilterOptions | true;
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

const KNOWN = new Set<string>([
  'minWriteIntervalMs',
  'maxWriteIntervalMs',
  'heartbeatMs',
  'eventTtlMs',
  'idleTimeoutMs',
  'maxSeries',
  'maxPendingWrites',
  'writeBudget',
  'shutdownWriteBudget',
  'spamFilter',
  'noteInKey',
  'clusterScopedNamespace',
  'legacyFields',
  'onError',
  'logger',
] satisfies (keyof RecorderOptions)[]);

function positive(name: string, value: number, integer = false): number {
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new ValidationError(
      `options.${name}`,
      `must be a positive ${integer ? 'integer' : 'number'}, got ${String(value)}`,
    );
  }
  return value;
}

/** The write budget as resolved: the adaptive limiter's (validated) options, a fixed bucket, or none. */
export type WriteBudget = { adaptive: AdaptiveLimiterOptions } | { qps: number; burst: number } | false;

function steadyBudget(budget: unknown): WriteBudget {
  if (budget === false) return false;
  if (budget === 'adaptive') return { adaptive: {} };
  if (typeof budget !== 'object' || budget === null) {
    throw new ValidationError(
      'options.writeBudget',
      `must be 'adaptive', limiter options, { qps, burst } or false, got ${JSON.stringify(budget)}`,
    );
  }
  if ('qps' in budget) return writeBudgetOption('writeBudget', budget as { qps: number; burst: number });
  resolveAdaptiveLimiterOptions(budget, 'options.writeBudget');
  return { adaptive: budget };
}

function writeBudgetOption(
  name: 'writeBudget' | 'shutdownWriteBudget',
  budget: { qps: number; burst: number } | false,
): { qps: number; burst: number } | false {
  return budget === false
    ? false
    : { qps: positive(`${name}.qps`, budget.qps), burst: positive(`${name}.burst`, budget.burst, true) };
}

export function resolveRecorderOptions(options: RecorderOptions = {}): ResolvedRecorderOptions {
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new ValidationError(`options.${key}`, `unknown option; known: ${[...KNOWN].join(', ')}`);
  }
  const d = RECORDER_DEFAULTS;
  const min = positive('minWriteIntervalMs', options.minWriteIntervalMs ?? d.minWriteIntervalMs);
  const max = Math.min(
    positive('maxWriteIntervalMs', options.maxWriteIntervalMs ?? d.maxWriteIntervalMs),
    positive('heartbeatMs', options.heartbeatMs ?? d.heartbeatMs),
    positive('eventTtlMs', options.eventTtlMs ?? d.eventTtlMs) / 2,
  );
  if (max < min) {
    throw new ValidationError(
      'options.maxWriteIntervalMs',
      `the longest write interval (${max} ms, after heartbeat and TTL) is below minWriteIntervalMs (${min} ms)`,
    );
  }
  const budget = options.writeBudget ?? d.writeBudget;
  const maxSeries = positive('maxSeries', options.maxSeries ?? d.maxSeries, true);
  const shutdownBudget = options.shutdownWriteBudget ?? d.shutdownWriteBudget;
  const spam = options.spamFilter;
  const namespace = options.clusterScopedNamespace ?? d.clusterScopedNamespace;
  if (namespace !== 'default' && namespace !== 'kube-system') {
    throw new ValidationError(
      'options.clusterScopedNamespace',
      'must be "default" or "kube-system" (the only namespaces the apiserver accepts for them)',
    );
  }
  const legacyFields = options.legacyFields ?? false;
  if (typeof legacyFields !== 'boolean') {
    throw new ValidationError('options.legacyFields', `must be true or false, got ${JSON.stringify(legacyFields)}`);
  }
  return {
    minWriteIntervalMs: min,
    maxWriteIntervalMs: max,
    idleTimeoutMs: positive('idleTimeoutMs', options.idleTimeoutMs ?? d.idleTimeoutMs),
    maxSeries,
    maxPendingWrites: positive('maxPendingWrites', options.maxPendingWrites ?? 2 * maxSeries, true),
    writeBudget: steadyBudget(budget),
    shutdownWriteBudget: writeBudgetOption('shutdownWriteBudget', shutdownBudget),
    spamFilter:
      spam === undefined
        ? false
        : {
            burst: positive('spamFilter.burst', (spam === true ? undefined : spam.burst) ?? 25, true),
            refillIntervalMs: positive(
              'spamFilter.refillIntervalMs',
              (spam === true ? undefined : spam.refillIntervalMs) ?? 300_000,
            ),
            maxObjects: positive('spamFilter.maxObjects', (spam === true ? undefined : spam.maxObjects) ?? 4096, true),
          },
    noteInKey: options.noteInKey ?? false,
    clusterScopedNamespace: namespace,
    legacyFields,
    onError: options.onError,
    logger: options.logger ?? {},
  };
}

/** The `timeoutMs` of flush() or close(), or `fallback`. @throws ValidationError naming `timeoutMs` */
export function drainTimeout(options: { timeoutMs?: number } | undefined, fallback: number): number {
  const timeoutMs = options?.timeoutMs ?? fallback;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw new ValidationError('timeoutMs', `must be a finite number of milliseconds ≥ 0, got ${String(timeoutMs)}`);
  }
  return timeoutMs;
}
