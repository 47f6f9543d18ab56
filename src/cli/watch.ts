/**
 * `kube-events watch`: list, print, then watch from the list's resourceVersion. After a dropped
 * connection, an apiserver restart or a 410 (the resourceVersion expired) it lists again and
 * resumes, printing only what changed meanwhile. SIGINT/SIGTERM (the io's signal) end it with 0.
 */
import type { Connection } from '../connection/index.ts';
import { ApiError, isResourceExpired, NetworkError, TlsError } from '../errors.ts';
import type { Event } from '../types.ts';
import { sleep } from '../util/sleep.ts';
import { connectFromFlags, EXIT, oneLine, type CliIo } from './args.ts';
import {
  keep,
  listEvents,
  parseEventsFlags,
  queryNamespace,
  serialize,
  WATCH_USAGE,
  type EventsQuery,
} from './events.ts';
import { byLastSeen, watchHeader, watchRow } from './format.ts';

/** Waits between attempts to list again: doubling from the first, up to the second. */
export const WATCH_RETRY_MS = { first: 500, max: 5_000 } as const;

/** Failures that end the first list (bad credentials, no permission): waiting will not fix them. */
function isPermanent(error: unknown): boolean {
  if (error instanceof TlsError) return true;
  if (error instanceof ApiError) return error.status !== 429 && error.status < 500 && !isResourceExpired(error);
  return !(error instanceof NetworkError);
}

/** Prints changes; remembers the resourceVersion printed per Event so that a re-list repeats nothing. */
class Printer {
  readonly #seen = new Map<string, string>();
  readonly #io: CliIo;
  readonly #query: EventsQuery;

  constructor(io: CliIo, query: EventsQuery) {
    this.#io = io;
    this.#query = query;
    if (query.output === 'table') io.stdout.write(`${watchHeader(this.#options())}\n`);
  }

  #options() {
    return { allNamespaces: this.#query.namespace === undefined, colour: this.#query.colour };
  }

  print(event: Event): void {
    const key = event.metadata?.uid ?? `${event.metadata?.namespace ?? ''}/${event.metadata?.name ?? ''}`;
    const version = event.metadata?.resourceVersion ?? '';
    if (this.#seen.get(key) === version || !keep(this.#query, event)) return;
    this.#seen.set(key, version);
    const out = this.#io.stdout;
    if (this.#query.output === 'table') {
      out.write(`${watchRow(event, (this.#io.now ?? Date.now)(), this.#options())}\n`);
    } else if (this.#query.output === 'json') {
      out.write(`${JSON.stringify(event)}\n`);
    } else {
      out.write(`---\n${serialize(event, 'yaml')}`);
    }
  }

  forget(event: Event): void {
    this.#seen.delete(event.metadata?.uid ?? `${event.metadata?.namespace ?? ''}/${event.metadata?.name ?? ''}`);
  }
}

/** List, then watch from its resourceVersion; again after any interruption, until `signal` aborts. */
async function follow(conn: Connection, query: EventsQuery, io: CliIo): Promise<void> {
  const signal = io.signal;
  const stopped = (): boolean => signal?.aborted === true;
  const printer = new Printer(io, query);
  let listed = false;
  let delayMs: number = WATCH_RETRY_MS.first;
  while (!stopped()) {
    try {
      const { items, resourceVersion } = await listEvents(conn, query, signal);
      if (listed) io.stderr.write('kube-events: watch resumed\n');
      listed = true;
      delayMs = WATCH_RETRY_MS.first;
      for (const event of [...items].sort(byLastSeen)) printer.print(event);
      const changes = conn.events.watch({
        ...(query.namespace !== undefined ? { namespace: query.namespace } : {}),
        ...(query.fieldSelector !== undefined ? { fieldSelector: query.fieldSelector } : {}),
        ...(resourceVersion !== undefined ? { resourceVersion } : {}),
        ...(signal !== undefined ? { signal } : {}),
      });
      for await (const change of changes) {
        if (change.type === 'ADDED' || change.type === 'MODIFIED') printer.print(change.object);
        else if (change.type === 'DELETED') printer.forget(change.object);
        else if (change.type === 'ERROR') throw new Error(`watch ended by the server: ${change.object.message ?? ''}`);
      }
      // The server ended the watch (its timeout, or a shutdown): list again.
    } catch (error) {
      if (stopped()) return;
      if (!listed && isPermanent(error)) throw error;
      if (!isResourceExpired(error)) {
        const message = error instanceof Error ? error.message : String(error);
        io.stderr.write(`kube-events: watch interrupted: ${oneLine(message)}; retrying in ${delayMs} ms\n`);
        await sleep(delayMs, signal).catch(() => undefined);
        delayMs = Math.min(WATCH_RETRY_MS.max, delayMs * 2);
      }
    }
  }
}

/** Runs `kube-events watch` with the arguments after the command name. */
export async function watchCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, query } = parseEventsFlags('watch', argv, io);
  if (values.help === true) {
    io.stdout.write(`${WATCH_USAGE}\n`);
    return EXIT.ok;
  }
  const conn = await connectFromFlags(values, io);
  try {
    await follow(conn, { ...query, namespace: queryNamespace(conn, values['all-namespaces']) }, io);
    return EXIT.ok;
  } finally {
    await conn.close();
  }
}
