/**
 * `kube-events publish` in-process against a fake apiserver (a local HTTP server answering as
 * kube-apiserver does): the exit code and what is printed when the Recorder loses occurrences,
 * whether close() loses them or a publish does.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../../src/cli/args.ts';
import { main } from '../../../src/cli/main.ts';
import type { Event } from '../../../src/types.ts';
import { json, startRecordingServer, type RecordingServer } from '../../helpers/recording-server.ts';

let dir: string;
let kubeconfig: string;
let server: RecordingServer;

/** kube-apiserver's answer to a write into a namespace that does not exist (NamespaceLifecycle admission). */
const namespaceGone = {
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  message: 'namespaces "shop" not found',
  reason: 'NotFound',
  details: { name: 'shop', kind: 'namespaces' },
  code: 404,
};

/** Answers creates with the Event and patches with the Event and its new series, except when `refuse` says no. */
function apiserver(refuse: (method: string, body: { series?: { count?: number } }) => boolean) {
  let stored: Event | undefined;
  server.handle((request, response) => {
    const body = JSON.parse(request.body || '{}') as Event;
    if (refuse(request.method, body)) return json(response, 404, namespaceGone);
    if (request.method === 'POST') {
      stored = { ...body, metadata: { ...body.metadata, resourceVersion: '1' } };
      return json(response, 201, stored);
    }
    stored = { ...(stored ?? body), ...(body.series !== undefined ? { series: body.series } : {}) };
    json(response, 200, stored);
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kube-events-cli-losses-'));
  server = await startRecordingServer();
  kubeconfig = join(dir, 'kubeconfig');
  await writeFile(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{ name: c, cluster: { server: "${server.url}" } }]`,
      'users: [{ name: u, user: { token: not-a-secret } }]',
      'contexts: [{ name: c, context: { cluster: c, user: u, namespace: shop } }]',
      'current-context: c',
    ].join('\n'),
  );
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  server.requests.length = 0;
});

async function publish(count: number) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    env: { KUBECONFIG: kubeconfig },
  };
  const argv = ['publish', 'deploy/web', '--reason', 'Synced', '--action', 'Reconcile', '--instance', 'cli-0'];
  const code = await main([...argv, '--count', String(count)], io);
  const results = stdout
    .trimEnd()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) =>
      /^event\.events\.k8s\.io\/\S+ (\w+) \(namespace shop, count (\d+)\)$/.exec(line)?.slice(1).join(' '),
    );
  return { code, stdout, stderr, results };
}

describe('kube-events publish: losses', () => {
  it('every count lands: exit 0, "written" after close() wrote the last one', async () => {
    apiserver(() => false);
    const run = await publish(3);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.results).toEqual(['created 1', 'patched 2', 'coalesced 3', 'written 3']);
  });

  it('close() loses the last count: exit 1, no "written", the loss per reason and per series on stderr', async () => {
    // The namespace is deleted before close() writes count 3: its patch (and the writer's
    // re-create after a 404) are refused, and the Recorder loses the count as namespace-gone.
    let gone = false;
    apiserver((method, body) => (gone ||= method === 'PATCH' && (body.series?.count ?? 0) >= 3));
    const run = await publish(3);
    expect(run.code).toBe(1);
    expect(run.results).toEqual(['created 1', 'patched 2', 'coalesced 3']);
    expect(run.stdout).not.toMatch(/written/);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('kube-events: 1 of 3 occurrence(s) lost (namespace-gone: 1)');
    expect(lines[1]).toMatch(
      /^kube-events: 1 occurrence\(s\) of Synced about Deployment shop\/web lost \(namespace-gone\): not written to Event shop\/web\.\S+; the namespace no longer exists \(cause: (PATCH|POST) http:\/\/127\.0\.0\.1:\d+\/apis\/events\.k8s\.io\/v1\/namespaces\/shop\/events\S* failed: 404 NotFound: namespaces "shop" not found\)$/,
    );
    expect(lines).toHaveLength(2);
    expect(run.stderr).not.toContain('not-a-secret');
  });

  it('the first create is lost: exit 1, nothing printed as written, where it stopped', async () => {
    apiserver((method) => method === 'POST');
    const run = await publish(3);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('kube-events: 1 of 1 occurrence(s) lost (namespace-gone: 1)');
    expect(lines[1]).toMatch(
      /^kube-events: 1 occurrence\(s\) of Synced about Deployment shop\/web lost \(namespace-gone\)/,
    );
    expect(lines[2]).toBe('kube-events: stopped at occurrence 1 of 3');
    // One create: nothing after the loss was sent.
    expect(server.requests.map((request) => request.method)).toEqual(['POST']);
  });
});
