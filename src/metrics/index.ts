/**
 * `kube-events/metrics`: the Recorder's counters as Prometheus metrics through prom-client, which
 * stays the application's dependency (pass its module), plus the diagnostics_channel names.
 */
import type { EventRecorder } from '../recorder/recorder.ts';

export {
  DROP_CHANNEL,
  ERROR_CHANNEL,
  WRITE_CHANNEL,
  type DropMessage,
  type ErrorMessage,
  type WriteMessage,
} from '../recorder/channels.ts';

/** The part of a prom-client metric this adapter uses. */
interface CollectedMetric {
  reset(): void;
  set?(labels: Record<string, string>, value: number): void;
  inc?(labels: Record<string, string>, value: number): void;
}

interface MetricConfig {
  name: string;
  help: string;
  labelNames?: string[];
  registers?: unknown[];
  collect?: (this: CollectedMetric) => void;
}

/** What is used of `import * as client from 'prom-client'` (versions 14 and 15): its Counter and Gauge classes. */
export interface PromClientLike {
  Counter: abstract new (...args: never[]) => unknown;
  Gauge: abstract new (...args: never[]) => unknown;
}

type MetricClass = new (config: MetricConfig) => unknown;

export interface RecorderMetricsOptions {
  /** prom-client registries to register in. @default prom-client's global registry */
  registers?: unknown[];
  /** Metric name prefix. @default 'kube_events_recorder_' */
  prefix?: string;
  /** Constant label added to every series, to tell several Recorders apart. */
  recorderLabel?: string;
}

/**
 * Exposes `recorder.stats()` at scrape time: counters `<prefix>published_total`, `created_total`,
 * `patched_total`, `coalesced_total`, `writes_total`, `write_attempts_total`, `dropped_total{reason}`,
 * `lost_total{reason}`, `failed_total{reason}`, `rejected_total`, `hook_errors_total`
 * and gauges `<prefix>cache_size`, `retiring_series`, `pending_writes`.
 * @example
 * ```ts
 * import * as client from 'prom-client';
 * registerRecorderMetrics(recorder, client);
 * // then serve await client.register.metrics()
 * ```
 */
export function registerRecorderMetrics(
  recorder: EventRecorder,
  client: PromClientLike,
  options: RecorderMetricsOptions = {},
): void {
  const prefix = options.prefix ?? 'kube_events_recorder_';
  const base: Record<string, string> = options.recorderLabel !== undefined ? { recorder: options.recorderLabel } : {};
  const baseNames = Object.keys(base);
  const registers = options.registers !== undefined ? { registers: options.registers } : {};
  const counter = (name: string, help: string, read: () => Record<string, number>, labelName?: string): void => {
    new (client.Counter as unknown as MetricClass)({
      name: prefix + name,
      help,
      labelNames: labelName !== undefined ? [...baseNames, labelName] : baseNames,
      ...registers,
      collect() {
        // Counters mirror the Recorder's own monotonic counts: reset, then add the current value.
        this.reset();
        for (const [label, value] of Object.entries(read())) {
          this.inc?.(labelName !== undefined ? { ...base, [labelName]: label } : base, value);
        }
      },
    });
  };
  const gauge = (name: string, help: string, read: () => number): void => {
    new (client.Gauge as unknown as MetricClass)({
      name: prefix + name,
      help,
      labelNames: baseNames,
      ...registers,
      collect() {
        this.set?.(base, read());
      },
    });
  };
  const stats = () => recorder.stats();
  counter('published_total', 'Occurrences accepted by publish or emit.', () => ({ all: stats().published }));
  counter('created_total', 'Events created (POST applied).', () => ({ all: stats().created }));
  counter('patched_total', 'Patches applied (series updates and ownership claims).', () => ({ all: stats().patched }));
  counter('coalesced_total', 'Occurrences counted in memory and written with others.', () => ({
    all: stats().coalesced,
  }));
  counter('writes_total', 'Writes the server applied.', () => ({ all: stats().writes }));
  counter('write_attempts_total', 'Write requests sent, successful or not.', () => ({ all: stats().writeAttempts }));
  counter('lost_total', 'Accepted occurrences that never reached the server, by reason.', () => stats().lost, 'reason');
  counter('dropped_total', 'Occurrences refused on purpose, by reason.', () => stats().dropped, 'reason');
  counter('failed_total', 'Failures, by Kubernetes reason or error name.', () => stats().failed, 'reason');
  counter('rejected_total', 'emit() calls whose input was refused (ValidationError).', () => ({
    all: stats().rejected,
  }));
  counter('hook_errors_total', 'Calls into logger or onError that threw or rejected.', () => ({
    all: stats().hookErrors,
  }));
  gauge('cache_size', 'Series held in memory.', () => stats().cacheSize);
  gauge('retiring_series', 'Series that left the cache with a write still due.', () => stats().retiringSeries);
  gauge('pending_writes', 'Writes waiting for the write budget or in flight.', () => stats().pendingWrites);
}
