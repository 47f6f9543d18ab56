import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeEventsError } from '../../../src/errors.ts';
import { pullSpec, SpecPullError } from '../../../src/cli/spec-pull.ts';
import { filterCoreEventsSpec } from '../../../codegen/core-spec.ts';
import {
  CORE_SPEC_FILE_NAME,
  newestVersion,
  OPENAPI_DIR,
  sha256,
  specPathForVersion,
} from '../../../codegen/spec-files.ts';
import { json, startRecordingServer, type RecordingServer } from '../../helpers/recording-server.ts';

const specBytes = readFileSync(specPathForVersion(newestVersion()));
const coreSlice = JSON.parse(readFileSync(join(OPENAPI_DIR, newestVersion(), CORE_SPEC_FILE_NAME), 'utf8')) as {
  paths: Record<string, unknown>;
  components: { schemas: Record<string, unknown> };
};
/** What an apiserver serves at /openapi/v3/api/v1: the Event slice among every other core type. */
const servedCore = Buffer.from(
  JSON.stringify({
    ...coreSlice,
    paths: {
      '/api/v1/namespaces/{namespace}/pods': { get: { operationId: 'listCoreV1NamespacedPod' } },
      ...coreSlice.paths,
    },
    components: { schemas: { 'io.k8s.api.core.v1.Pod': { type: 'object' }, ...coreSlice.components.schemas } },
  }),
);
const work = mkdtempSync(join(tmpdir(), 'kube-events-pull-test-'));
let server: RecordingServer;

function kubeconfig(server: string, user: string): string {
  const file = join(work, `kubeconfig-${Math.random().toString(36).slice(2)}`);
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
current-context: test
contexts: [{ name: test, context: { cluster: c, user: u } }]
clusters: [{ name: c, cluster: { server: '${server}' } }]
users: [{ name: u, user: ${user} }]
`,
  );
  return file;
}

function serve(
  version: string,
  spec: { status: number; body: Buffer | object },
  versionStatus = 200,
  coreStatus = 200,
) {
  server.handle((request, response) => {
    if (request.path === '/version') return json(response, versionStatus, { gitVersion: version });
    if (request.path === '/openapi/v3/api/v1') {
      if (coreStatus !== 200) return json(response, coreStatus, { kind: 'Status', code: coreStatus });
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(servedCore);
      return;
    }
    if (request.path === '/openapi/v3/apis/events.k8s.io/v1') {
      if (Buffer.isBuffer(spec.body)) {
        response.writeHead(spec.status, { 'Content-Type': 'application/json' });
        response.end(spec.body);
        return;
      }
      return json(response, spec.status, spec.body);
    }
    json(response, 404, { kind: 'Status', code: 404 });
  });
}

beforeAll(async () => {
  server = await startRecordingServer();
});
afterAll(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

describe('spec:pull', () => {
  it('writes openapi/<gitVersion>/ with the spec byte for byte, the core/v1 Event slice and their source', async () => {
    serve('v1.36.3', { status: 200, body: specBytes });
    const openapiDir = join(work, 'ok');
    const now = new Date('2026-11-25T12:00:00Z');
    const result = await pullSpec({
      kubeconfig: kubeconfig(server.url, '{ token: secret-token }'),
      openapiDir,
      now: () => now,
    });
    expect(result.dir).toBe(join(openapiDir, 'v1.36.3'));
    expect(readFileSync(join(result.dir, 'events.k8s.io-v1.json')).equals(specBytes)).toBe(true);
    expect(JSON.parse(readFileSync(join(result.dir, 'source.json'), 'utf8'))).toEqual({
      gitVersion: 'v1.36.3',
      pulledFrom: `${server.url}/openapi/v3/apis/events.k8s.io/v1`,
      pulledAt: '2026-11-25T12:00:00.000Z',
      sha256: sha256(specBytes),
      file: 'events.k8s.io-v1.json',
      core: {
        pulledFrom: `${server.url}/openapi/v3/api/v1`,
        servedSha256: sha256(servedCore),
        file: 'core-v1-events.json',
      },
    });
    // Only the Event paths and the schemas they reach are kept: the Pod ones are gone.
    const core = JSON.parse(readFileSync(join(result.dir, 'core-v1-events.json'), 'utf8')) as typeof coreSlice;
    expect(Object.keys(core.paths).sort()).toEqual(Object.keys(coreSlice.paths).sort());
    expect(core.components.schemas['io.k8s.api.core.v1.Pod']).toBeUndefined();
    expect(core).toEqual(filterCoreEventsSpec(JSON.parse(servedCore.toString('utf8'))));
    expect(server.requests.every((r) => r.headers.authorization === 'Bearer secret-token')).toBe(true);
    expect(readdirSync(openapiDir)).toEqual(['v1.36.3']);
  });

  it('names the folder by the Kubernetes version of a distribution build, reads tokenFile', async () => {
    serve('v1.31.4+k3s1', { status: 200, body: specBytes });
    writeFileSync(join(work, 'token'), 'from-file\n');
    const openapiDir = join(work, 'k3s');
    const result = await pullSpec({ kubeconfig: kubeconfig(server.url, `{ tokenFile: token }`), openapiDir });
    expect(result.dir).toBe(join(openapiDir, 'v1.31.4'));
    expect(result.source.gitVersion).toBe('v1.31.4+k3s1');
    expect(server.requests.at(-1)?.headers.authorization).toBe('Bearer from-file');
  });

  it.each([
    ['401 Unauthorized', 401, 200, /refused the credentials \(401 Unauthorized\)/],
    ['403 Forbidden', 403, 200, /denied .* \(403 Forbidden\)/],
    ['404 no events.k8s.io/v1', 404, 200, /does not serve .*events\.k8s\.io\/v1/],
    ['403 on /version', 200, 403, /denied \/version/],
    ['403 on the core/v1 spec', 200, 200, /denied \/openapi\/v3\/api\/v1 \(403 Forbidden\)/, 403],
  ])('%s: a clear error and nothing written', async (_name, specStatus, versionStatus, message, coreStatus = 200) => {
    const body = specStatus === 200 ? specBytes : { kind: 'Status', code: specStatus };
    serve('v1.37.2', { status: specStatus, body }, versionStatus, coreStatus);
    const openapiDir = join(work, `fail-${specStatus}-${versionStatus}-${coreStatus}`);
    const error = await pullSpec({ kubeconfig: kubeconfig(server.url, '{ token: t }'), openapiDir }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SpecPullError);
    expect(error).toBeInstanceOf(KubeEventsError);
    expect((error as Error).message).toMatch(message);
    expect(() => readdirSync(openapiDir)).toThrow(/ENOENT/);
  });

  it('a document that is not the events spec: a clear error and nothing written', async () => {
    serve('v1.37.2', { status: 200, body: { openapi: '3.0.0', paths: {}, components: { schemas: {} } } });
    const openapiDir = join(work, 'not-events');
    await expect(pullSpec({ kubeconfig: kubeconfig(server.url, '{ token: t }'), openapiDir })).rejects.toThrow(
      /did not return the events\.k8s\.io\/v1 spec/,
    );
    expect(() => readdirSync(openapiDir)).toThrow(/ENOENT/);
  });

  it('an unreachable server: a clear error naming it', async () => {
    const closed = await startRecordingServer();
    await closed.close();
    const openapiDir = join(work, 'unreachable');
    await expect(pullSpec({ kubeconfig: kubeconfig(closed.url, '{ token: t }'), openapiDir })).rejects.toThrow(
      new RegExp(`cannot reach ${closed.url.replace(/[.:/]/g, '\\$&')} .*ECONNREFUSED`),
    );
  });

  it('kubeconfig problems name the file and the field', async () => {
    const file = kubeconfig(server.url, '{ token: t }');
    await expect(pullSpec({ kubeconfig: file, context: 'nope' })).rejects.toThrow(
      /kubeconfig-\w+: context 'nope' .*not found/,
    );
    await expect(pullSpec({ kubeconfig: join(work, 'missing') })).rejects.toThrow(/missing: kubeconfig file not found/);
    await expect(pullSpec({ kubeconfig: kubeconfig(server.url, '{ auth-provider: { name: oidc } }') })).rejects.toThrow(
      /users\[u\]\.user\.auth-provider: .*use an exec credential plugin/,
    );
  });
});
