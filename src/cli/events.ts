/** `kube-events list` and the flags it shares with `watch`: which Events, and how to print them. */
import { stringify } from 'yaml';
import type { Connection } from '../connection/index.ts';
import type { Event, EventList } from '../types.ts';
import {
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  connectFromFlags,
  EXIT,
  helpHint,
  parseFlags,
  UsageError,
  useColour,
  type CliIo,
} from './args.ts';
import { eventsTable } from './format.ts';
import { resolveKindName } from './kinds.ts';

/** Flags of `list` and `watch`. */
export const EVENTS_OPTIONS = {
  ...CONNECTION_OPTIONS,
  for: { type: 'string' },
  'all-namespaces': { type: 'boolean', short: 'A' },
  types: { type: 'string' },
  output: { type: 'string', short: 'o' },
  'api-version': { type: 'string' },
} as const;

const eventsHelp = (command: 'list' | 'watch', what: string): string => `${what}

Usage:
  kube-events ${command} [--for KIND/NAME] [-n NS | -A] [--types Warning,Normal] [-o json|yaml]

Flags:
      --for KIND/NAME       only Events about this object (e.g. pod/web-0)
  -A, --all-namespaces      Events of every namespace (adds a NAMESPACE column)
      --types LIST          only these types, comma-separated: Normal, Warning
  -o, --output FORMAT       json or yaml instead of the table${command === 'watch' ? ' (one document per change)' : ''}
      --api-version V       apiVersion for a --for kind outside the known table

${CONNECTION_HELP}`;

/** Help of `kube-events list`. */
export const LIST_USAGE = eventsHelp('list', 'List Events like `kubectl events`, with (xN over …) for series.');
/** Help of `kube-events watch`. */
export const WATCH_USAGE = eventsHelp(
  'watch',
  'Print Events as they are added or change, until interrupted (Ctrl-C). Resumes after a lost\nconnection or an apiserver restart.',
);

/** What `list` and `watch` select and how they print it. */
export interface EventsQuery {
  /** One namespace, or all of them. */
  namespace: string | undefined;
  /** `regarding.kind=…,regarding.name=…` and `type=…` when one type is asked for. */
  fieldSelector: string | undefined;
  /** Types to keep (client-side when there are several). */
  types: ReadonlySet<string> | undefined;
  output: 'table' | 'json' | 'yaml';
  colour: boolean;
}

/** Parses the flags of `list` or `watch`; `help` set means print the usage. */
export function parseEventsFlags(command: 'list' | 'watch', argv: string[], io: CliIo) {
  const { values, positionals } = parseFlags(command, argv, EVENTS_OPTIONS);
  if (positionals.length > 0) {
    throw new UsageError(`${command} takes no arguments, got "${positionals.join(' ')}"`, helpHint(command));
  }
  const output = values.output ?? 'table';
  if (output !== 'table' && output !== 'json' && output !== 'yaml') {
    throw new UsageError(`--output must be json or yaml, got "${output}"`, helpHint(command));
  }
  if (values['all-namespaces'] === true && values.namespace !== undefined) {
    throw new UsageError('give -n or -A, not both', helpHint(command));
  }
  let types: Set<string> | undefined;
  if (values.types !== undefined) {
    types = new Set();
    for (const type of values.types.split(',').map((t) => t.trim().toLowerCase())) {
      if (type !== 'normal' && type !== 'warning') {
        throw new UsageError(`--types takes Normal and/or Warning, got "${values.types}"`, helpHint(command));
      }
      types.add(type === 'normal' ? 'Normal' : 'Warning');
    }
  }
  // Checked now, so that a bad --for is a usage error before any connection.
  const forRef =
    values.for === undefined
      ? undefined
      : resolveKindName(values.for, { namespace: '', apiVersion: values['api-version'], what: '--for', command });
  const selectors = [
    ...(forRef !== undefined ? [`regarding.kind=${forRef.kind ?? ''}`, `regarding.name=${forRef.name ?? ''}`] : []),
    ...(types?.size === 1 ? [`type=${[...types][0] ?? ''}`] : []),
  ];
  const query = {
    fieldSelector: selectors.length > 0 ? selectors.join(',') : undefined,
    types,
    output,
    colour: useColour(io),
  } satisfies Omit<EventsQuery, 'namespace'>;
  return { values, query };
}

/** The namespace to read: none for -A, else -n or the context's. */
export const queryNamespace = (conn: Connection, allNamespaces: boolean | undefined): string | undefined =>
  allNamespaces === true ? undefined : conn.namespace;

/** Lists the Events the query selects. */
export async function listEvents(
  conn: Connection,
  query: EventsQuery,
  signal?: AbortSignal,
): Promise<{ items: Event[]; resourceVersion: string | undefined; list: EventList }> {
  const options = {
    ...(query.fieldSelector !== undefined ? { fieldSelector: query.fieldSelector } : {}),
    ...(signal !== undefined ? { signal } : {}),
  };
  const list =
    query.namespace === undefined
      ? await conn.events.listForAllNamespaces(options)
      : await conn.events.list({ ...options, namespace: query.namespace });
  const items = list.items.filter((event) => keep(query, event));
  return { items, resourceVersion: list.metadata?.resourceVersion, list: { ...list, items } };
}

/** Whether `event` passes the client-side part of the query (several types). */
export const keep = (query: EventsQuery, event: Event): boolean =>
  query.types === undefined || query.types.has(event.type ?? '');

/** JSON or YAML of one object, as `-o` asks. */
export function serialize(value: unknown, output: 'json' | 'yaml'): string {
  return output === 'json' ? `${JSON.stringify(value, null, 2)}\n` : stringify(value);
}

/** Runs `kube-events list` with the arguments after the command name. */
export async function listCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, query } = parseEventsFlags('list', argv, io);
  if (values.help === true) {
    io.stdout.write(`${LIST_USAGE}\n`);
    return EXIT.ok;
  }
  const conn = await connectFromFlags(values, io);
  try {
    const full: EventsQuery = { ...query, namespace: queryNamespace(conn, values['all-namespaces']) };
    const { items, list } = await listEvents(conn, full, io.signal);
    if (query.output !== 'table') {
      io.stdout.write(serialize({ apiVersion: 'events.k8s.io/v1', kind: 'EventList', ...list }, query.output));
    } else if (items.length === 0) {
      io.stderr.write(
        full.namespace === undefined ? 'No events found.\n' : `No events found in ${full.namespace} namespace.\n`,
      );
    } else {
      const now = (io.now ?? Date.now)();
      io.stdout.write(
        `${eventsTable(items, now, { allNamespaces: full.namespace === undefined, colour: query.colour })}\n`,
      );
    }
    return EXIT.ok;
  } finally {
    await conn.close();
  }
}
