/**
 * Decoding of a Kubernetes watch: the response to a list with `watch=true` is one JSON object per
 * line (`{"type": "...", "object": {...}}`), which the generated one-body calls cannot read.
 */
import { KubeEventsError, ResourceExpiredError } from './errors.ts';
import type { Event, Status } from './types.ts';

/** A change to an Event (events.k8s.io/v1 by default, or a core/v1 one), or a marker, as the apiserver streams it. */
export type WatchEvent<T = Event> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T }
  /** Progress marker (with `allowWatchBookmarks`): resume from `object.metadata.resourceVersion`. */
  | { type: 'BOOKMARK'; object: WatchBookmark }
  /** The server ended the watch with a Status (410 Gone is thrown as {@link ResourceExpiredError} instead). */
  | { type: 'ERROR'; object: Status };

export interface WatchBookmark {
  kind: string;
  apiVersion: string;
  metadata: { resourceVersion: string; annotations?: Record<string, string> };
}

const WATCH_TYPES = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

/** A line of the watch stream that is not a watch event. */
export class WatchDecodeError extends KubeEventsError {
  override name = 'WatchDecodeError';
}

function decodeLine(line: string, url: string): WatchEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    throw new WatchDecodeError(`watch ${url}: a line is not JSON: ${line.slice(0, 200)}`, { cause: error });
  }
  const event = parsed as { type?: unknown; object?: unknown };
  if (
    typeof event.type !== 'string' ||
    !WATCH_TYPES.has(event.type) ||
    typeof event.object !== 'object' ||
    event.object === null
  ) {
    throw new WatchDecodeError(`watch ${url}: not a watch event: ${line.slice(0, 200)}`);
  }
  return parsed as WatchEvent;
}

function expiredError(status: Status, url: string): ResourceExpiredError {
  return new ResourceExpiredError({
    status: 410,
    reason: status.reason ?? 'Expired',
    serverMessage: status.message ?? 'the requested resourceVersion is too old',
    causes: status.details?.causes ?? [],
    retryAfterSeconds: undefined,
    method: 'GET',
    url,
    statusObject: status,
  });
}

/**
 * Yields the watch events of a newline-delimited JSON body, whatever the chunking.
 * Ends quietly when `signal` aborts; throws {@link ResourceExpiredError} on a 410 ERROR event.
 */
export async function* decodeWatchStream<T = Event>(
  body: ReadableStream<Uint8Array>,
  options: { url: string; signal?: AbortSignal | undefined },
): AsyncGenerator<WatchEvent<T>, void, undefined> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const accept = (line: string): WatchEvent<T> => {
    const event = decodeLine(line, options.url);
    if (event.type === 'ERROR' && event.object.code === 410) throw expiredError(event.object, options.url);
    // The object's shape is the server's: the caller's API (events.k8s.io or core/v1) names it.
    return event as WatchEvent<T>;
  };
  let buffered = '';
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        if (options.signal?.aborted === true) return;
        throw error;
      }
      if (chunk.done) break;
      // stream: true keeps a multi-byte character split across chunks intact.
      buffered += decoder.decode(chunk.value, { stream: true });
      let newline = buffered.indexOf('\n');
      while (newline !== -1) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line !== '') yield accept(line);
        newline = buffered.indexOf('\n');
      }
    }
    const rest = (buffered + decoder.decode()).trim();
    if (rest !== '') yield accept(rest);
  } finally {
    // Breaking out of the loop or an error closes the HTTP stream.
    await reader.cancel().catch(() => undefined);
  }
}
