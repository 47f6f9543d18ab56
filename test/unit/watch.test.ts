import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResourceExpiredError } from '../../src/errors.ts';
import { EventsApi } from '../../src/events-api.ts';
import { decodeWatchStream, WatchDecodeError, type WatchEvent } from '../../src/watch.ts';
import { sampleEvent } from '../helpers/fixtures.ts';
import { startRecordingServer, type RecordingServer } from '../helpers/recording-server.ts';

const encoder = new TextEncoder();

function streamOf(chunks: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
      controller.close();
    },
  });
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  for await (const event of decodeWatchStream(stream, { url: 'test' })) events.push(event);
  return events;
}

const added = JSON.stringify({ type: 'ADDED', object: sampleEvent({ note: 'héllo wörld' }) });
const bookmark = JSON.stringify({
  type: 'BOOKMARK',
  object: { kind: 'Event', apiVersion: 'events.k8s.io/v1', metadata: { resourceVersion: '42' } },
});

describe('decodeWatchStream', () => {
  it('splits lines at any chunk boundary, including inside a multi-byte character', async () => {
    const bytes = encoder.encode(`${added}\n${bookmark}\n`);
    for (const cut of [1, 17, added.indexOf('é') + 1, added.length, added.length + 1, bytes.length - 1]) {
      const events = await collect(streamOf([bytes.slice(0, cut), bytes.slice(cut)]));
      expect(events.map((e) => e.type)).toEqual(['ADDED', 'BOOKMARK']);
      expect(events[0]?.type === 'ADDED' && events[0].object.note).toBe('héllo wörld');
    }
  });

  it('reads one byte at a time and a last line without a newline', async () => {
    const bytes = encoder.encode(`${added}\n\n${bookmark}`);
    const events = await collect(streamOf([...bytes].map((b) => Uint8Array.of(b))));
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'BOOKMARK']);
  });

  it('yields ERROR events with their Status', async () => {
    const error = JSON.stringify({
      type: 'ERROR',
      object: { kind: 'Status', code: 500, reason: 'InternalError', message: 'boom' },
    });
    const events = await collect(streamOf([`${error}\n`]));
    expect(events).toEqual([
      { type: 'ERROR', object: { kind: 'Status', code: 500, reason: 'InternalError', message: 'boom' } },
    ]);
  });

  it('throws ResourceExpiredError on a 410 ERROR event', async () => {
    const gone = JSON.stringify({
      type: 'ERROR',
      object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' },
    });
    await expect(collect(streamOf([`${added}\n${gone}\n`]))).rejects.toBeInstanceOf(ResourceExpiredError);
  });

  it('rejects lines that are not watch events', async () => {
    await expect(collect(streamOf(['{"type":"ADDED"}\n']))).rejects.toBeInstanceOf(WatchDecodeError);
    await expect(collect(streamOf(['not json\n']))).rejects.toThrow(/not JSON/);
  });
});

describe('EventsApi.watch against a local server', () => {
  let server: RecordingServer;
  beforeAll(async () => {
    server = await startRecordingServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json;stream=watch' });
      response.write(`${added}\n`);
      // Keeps the stream open like a real watch; the test aborts it.
    });
  });
  afterAll(() => server.close());

  it('sends watch=true with resume options, streams events and stops on abort', async () => {
    const api = new EventsApi({ baseUrl: server.url });
    const controller = new AbortController();
    const seen: string[] = [];
    for await (const event of api.watch({
      namespace: 'ns',
      resourceVersion: '41',
      fieldSelector: 'type=Warning',
      signal: controller.signal,
    })) {
      seen.push(event.type);
      controller.abort();
    }
    expect(seen).toEqual(['ADDED']);
    const request = server.requests.at(-1);
    expect(request?.path).toBe('/apis/events.k8s.io/v1/namespaces/ns/events');
    expect(Object.fromEntries(request?.query ?? [])).toEqual({
      watch: 'true',
      allowWatchBookmarks: 'true',
      resourceVersion: '41',
      fieldSelector: 'type=Warning',
    });
  });

  it('watches all namespaces and ends when the caller breaks out', async () => {
    const api = new EventsApi({ baseUrl: server.url });
    for await (const event of api.watch({ allowWatchBookmarks: false })) {
      expect(event.type).toBe('ADDED');
      break;
    }
    expect(server.requests.at(-1)?.url).toBe('/apis/events.k8s.io/v1/events?watch=true&allowWatchBookmarks=false');
  });

  it('surfaces an HTTP 410 as ResourceExpiredError', async () => {
    const gone = await startRecordingServer((_request, response) => {
      response.writeHead(410, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ kind: 'Status', code: 410, reason: 'Expired', message: 'too old' }));
    });
    const api = new EventsApi({ baseUrl: gone.url });
    const iterate = async () => {
      for await (const _event of api.watch({ namespace: 'ns', resourceVersion: '1' })) {
        /* drain */
      }
    };
    await expect(iterate()).rejects.toBeInstanceOf(ResourceExpiredError);
    await gone.close();
  });
});
