/** `kube-events publish`: one Event (or a series of `--count` occurrences) through one Recorder. */
import type { Connection } from '../connection/index.ts';
import { EventsLostError, LOST_REASONS, type LostReason } from '../errors.ts';
import { reporterFromEnv, type EventType, type RecordedEvent } from '../recorder/event.ts';
import { Recorder, type PublishResult } from '../recorder/recorder.ts';
import { totalLost } from '../recorder/stats.ts';
import type { ObjectReference } from '../types.ts';
import {
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  connectFromFlags,
  EXIT,
  helpHint,
  oneLine,
  parseFlags,
  requireFlag,
  UsageError,
  type CliIo,
} from './args.ts';
import { resolveKindName } from './kinds.ts';
import { readManifest } from './manifest.ts';

/** `--controller` when none is given (the Event's FROM in `kubectl describe`). */
export const DEFAULT_CONTROLLER = 'kube-events/cli';
/** The largest `--count`. */
export const MAX_COUNT = 1_000_000;

/**
 * Help of `kube-events publish`.
 * @example
 * ```ts
 * process.stdout.write(`${PUBLISH_USAGE}\n`);
 * ```
 */
export const PUBLISH_USAGE = `Publish an Event about an object (events.k8s.io/v1).

Usage:
  kube-events publish <kind>/<name> [-n NS] --reason R --action A [flags]
  kube-events publish -f manifest.yaml --reason R --action A [flags]

Examples:
  kube-events publish pod/web-0 -n shop --type Warning --reason BackOff --action Reconcile --note "image pull failed"
  kube-events publish deployment/web --reason Synced --action Reconcile --count 5
  kube-events publish -f widget.yaml --reason Ready --action Reconcile --related node/n1

Flags:
  -f, --filename FILE       the object, from the first document of a YAML or JSON manifest ('-': stdin)
      --type TYPE           Normal or Warning (default Normal)
      --reason REASON       why, UpperCamelCase (required, at most 128 bytes)
      --action ACTION       what was done or failed (required, at most 128 bytes)
      --note TEXT           human-readable message (at most 1024 bytes; longer is cut)
      --related KIND/NAME   a second object involved (same namespace)
      --controller NAME     reporting controller, a qualified name (default ${DEFAULT_CONTROLLER})
      --instance NAME       reporting instance (default: POD_NAME, else the hostname)
      --count N             publish N occurrences: one Event with series.count N (default 1)
      --uid UID             the object's uid (kubectl describe matches Events by uid)
      --api-version V       apiVersion of the kind, e.g. example.com/v1: names any kind
      --cluster-scoped      the object has no namespace (kinds outside the known table)
      --legacy-fields       write through core/v1 with count, firstTimestamp, lastTimestamp and source too
                            (what core/v1 readers such as the OpenTelemetry k8s_events receiver read;
                            needs create and patch on events in apiGroup "")

Kinds: pods, nodes, deployments, statefulsets, daemonsets, replicasets, jobs, cronjobs, services,
configmaps, secrets, namespaces, persistentvolumes, persistentvolumeclaims, serviceaccounts,
clusterroles, roles, ingresses, customresourcedefinitions (plural, singular, Kind or short name).

Prints one line per occurrence, and "written" when close() wrote the last count; exits 0 once the
apiserver has accepted every count. Exits 1 when it has not: stderr then says how many occurrences
were lost and why (per reason, and one line per lost series).

${CONNECTION_HELP}`;

const PUBLISH_OPTIONS = {
  ...CONNECTION_OPTIONS,
  filename: { type: 'string', short: 'f' },
  type: { type: 'string' },
  reason: { type: 'string' },
  action: { type: 'string' },
  note: { type: 'string' },
  related: { type: 'string' },
  controller: { type: 'string' },
  instance: { type: 'string' },
  count: { type: 'string' },
  uid: { type: 'string' },
  'api-version': { type: 'string' },
  'cluster-scoped': { type: 'boolean' },
  'legacy-fields': { type: 'boolean' },
} as const;

function eventType(value: string | undefined): EventType {
  if (value === undefined) return 'Normal';
  const lower = value.toLowerCase();
  if (lower === 'normal') return 'Normal';
  if (lower === 'warning') return 'Warning';
  throw new UsageError(`--type must be Normal or Warning, got "${value}"`, helpHint('publish'));
}

function count(value: string | undefined): number {
  if (value === undefined) return 1;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_COUNT) {
    throw new UsageError(`--count must be a whole number from 1 to ${MAX_COUNT}, got "${value}"`, helpHint('publish'));
  }
  return n;
}

/** `event.events.k8s.io/web-0.18… created (namespace shop, count 1)`; `event/…` when written through core/v1. */
const resultLine = (
  result: Pick<PublishResult, 'name' | 'namespace' | 'count'>,
  what: string,
  legacyFields: boolean,
): string =>
  `${legacyFields ? 'event' : 'event.events.k8s.io'}/${result.name} ${what} (namespace ${result.namespace}, count ${result.count})\n`;

/**
 * Runs `kube-events publish` with the arguments after the command name. Resolves with 0 when the
 * apiserver accepted every count; with 1 when occurrences were lost (stderr says how many, why,
 * and which series). Other failures throw, for main() to report.
 * @example
 * ```ts
 * const code = await publishCommand(['pod/web-0', '--reason', 'Synced', '--action', 'Reconcile'], io);
 * ```
 */
export async function publishCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags('publish', argv, PUBLISH_OPTIONS);
  if (values.help === true) {
    io.stdout.write(`${PUBLISH_USAGE}\n`);
    return EXIT.ok;
  }
  if (positionals.length > 1) {
    throw new UsageError(`publish takes one <kind>/<name>, got ${positionals.length}`, helpHint('publish'));
  }
  const target = positionals[0];
  if ((target === undefined) === (values.filename === undefined)) {
    throw new UsageError(
      target === undefined ? 'missing the object: <kind>/<name> or -f manifest' : 'give <kind>/<name> or -f, not both',
      helpHint('publish'),
    );
  }
  const occurrences = count(values.count);
  const event: RecordedEvent = {
    type: eventType(values.type),
    reason: requireFlag('publish', 'reason', values.reason),
    action: requireFlag('publish', 'action', values.action),
    ...(values.note !== undefined ? { note: values.note } : {}),
  };
  const kindOptions = {
    apiVersion: values['api-version'],
    clusterScoped: values['cluster-scoped'],
    command: 'publish',
  };
  // Arguments are checked before connecting: a usage error never waits for the cluster.
  const namespaceHint = values.namespace ?? '';
  if (target !== undefined) resolveKindName(target, { ...kindOptions, namespace: namespaceHint, what: 'kind/name' });
  if (values.related !== undefined) {
    resolveKindName(values.related, { ...kindOptions, namespace: namespaceHint, what: '--related' });
  }

  const conn = await connectFromFlags(values, io);
  try {
    const namespace = conn.namespace;
    let regarding: ObjectReference =
      target !== undefined
        ? resolveKindName(target, { ...kindOptions, namespace, what: 'kind/name' })
        : await readManifest(values.filename ?? '', { namespace, clusterScoped: values['cluster-scoped'] });
    if (values.uid !== undefined) regarding = { ...regarding, uid: values.uid };
    if (values.related !== undefined) {
      // --api-version and --cluster-scoped describe the main object only.
      event.secondary = resolveKindName(values.related, { namespace, what: '--related', command: 'publish' });
    }
    return await publishAll(conn, { event, regarding, occurrences, values, io });
  } finally {
    await conn.close();
  }
}

async function publishAll(
  conn: Connection,
  run: {
    event: RecordedEvent;
    regarding: ObjectReference;
    occurrences: number;
    values: { controller?: string | undefined; instance?: string | undefined; 'legacy-fields'?: boolean | undefined };
    io: CliIo;
  },
): Promise<number> {
  const { event, regarding, occurrences, values, io } = run;
  const legacyFields = values['legacy-fields'] === true;
  /** The last failed write the Recorder will retry; losses are kept apart. */
  let unreported: Error | undefined;
  const losses: EventsLostError[] = [];
  const controller = values.controller ?? DEFAULT_CONTROLLER;
  // --instance wins; else what a controller gets: POD_NAME, then the hostname.
  const reporter =
    values.instance !== undefined && values.instance !== ''
      ? { controller, instance: values.instance }
      : reporterFromEnv(controller, io.env);
  const onError = (error: Error): void => {
    if (error instanceof EventsLostError) losses.push(error);
    else unreported = error;
  };
  const recorder = new Recorder(conn, reporter, { onError, legacyFields });
  let last: PublishResult | undefined;
  let stopped: { error: unknown; at: number } | undefined;
  for (let i = 0; i < occurrences && stopped === undefined; i++) {
    try {
      const result = await recorder.publish(event, regarding);
      // The first create failed after the connection's retries (unreachable, 5xx): fail now rather
      // than wait for the Recorder's later attempts.
      if (result.count === 1 && result.write === 'coalesced')
        throw unreported ?? new Error('the Event was not created');
      io.stdout.write(resultLine(result, result.write, legacyFields));
      last = result;
    } catch (error) {
      // Bad input, a refusal, an unreachable cluster: one line, as for any other failure.
      if (losses.length === 0) throw error;
      stopped = { error, at: i + 1 };
    }
  }
  try {
    await recorder.close();
  } catch (error) {
    // close() names how many series are behind; the cause says why.
    throw unreported ?? error;
  }
  // Every loss of the run, close()'s report included (a loss can also end a publish above).
  // A refused occurrence (bad input, overload) made publish() throw above: exit 1 already.
  const { lost, published } = recorder.stats();
  const lostTotal = totalLost(lost);
  if (lostTotal === 0 && stopped === undefined) {
    if (last !== undefined && last.write === 'coalesced') io.stdout.write(resultLine(last, 'written', legacyFields));
    return EXIT.ok;
  }
  reportLosses(io, { lost, lostTotal, published, occurrences, losses, stopped });
  return EXIT.failure;
}

/**
 * What was not written, on stderr: the count per LostReason, one line per lost series (the
 * EventsLostError's message and its cause), and where publishing stopped.
 */
function reportLosses(
  io: CliIo,
  run: {
    lost: Record<LostReason, number>;
    lostTotal: number;
    published: number;
    /** What --count asked for. */
    occurrences: number;
    losses: readonly EventsLostError[];
    stopped: { error: unknown; at: number } | undefined;
  },
): void {
  const { lost, lostTotal, published, occurrences, losses, stopped } = run;
  const byReason = LOST_REASONS.filter((reason) => lost[reason] > 0)
    .map((reason) => `${reason}: ${lost[reason]}`)
    .join(', ');
  io.stderr.write(`kube-events: ${lostTotal} of ${published} occurrence(s) lost (${byReason})\n`);
  const causes = new Set<unknown>();
  for (const loss of losses) {
    causes.add(loss.cause);
    const cause = loss.cause instanceof Error ? ` (cause: ${oneLine(loss.cause.message)})` : '';
    io.stderr.write(`kube-events: ${oneLine(loss.message)}${cause}\n`);
  }
  if (stopped !== undefined) {
    const { error, at } = stopped;
    const why = causes.has(error) ? '' : `: ${oneLine(error instanceof Error ? error.message : String(error))}`;
    io.stderr.write(`kube-events: stopped at occurrence ${at} of ${occurrences}${why}\n`);
  }
}
