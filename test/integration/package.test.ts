/**
 * The package as a user gets it: `npm pack` (prepack builds dist/), installed into an empty project
 * outside this repository, type-checked under strict settings, its `kube-events` bin run; then the
 * bin's `spec pull` and `codegen` regenerate the client into that project, which compiles with tsc
 * (module nodenext, emitting JS, exactOptionalPropertyTypes) and calls a generated function against
 * the real apiserver through a kube-events connection.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { microTimeNow } from '../../src/micro-time.ts';
import { closeConnections, connectAs, freshNamespace, kube } from './env.ts';

const run = promisify(execFile);
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

/** What a user project compiling with tsc typically sets, plus the strictest optional-property rule. */
const USER_COMPILER_OPTIONS = {
  strict: true,
  module: 'nodenext',
  moduleResolution: 'nodenext',
  target: 'es2023',
  lib: ['es2023', 'dom'],
  types: ['node'],
  exactOptionalPropertyTypes: true,
  skipLibCheck: false,
  outDir: 'dist',
  rootDir: 'src',
};

const work = mkdtempSync(join(tmpdir(), 'kube-events-package-test-'));
const project = join(work, 'project');
let tarball: string;
let tarballFiles: string[];

async function inProject(command: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(command, args, { cwd: project, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${failed.stdout ?? ''}${failed.stderr ?? failed.message}`, {
      cause: error,
    });
  }
}

/** The project's own compiler (TypeScript 6, installed above). */
const tsc = (tsconfig: string) =>
  inProject(process.execPath, [join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', tsconfig]);

function writeTsconfig(name: string, include: string[], extra: Record<string, unknown> = {}): string {
  writeFileSync(
    join(project, name),
    JSON.stringify({ compilerOptions: { ...USER_COMPILER_OPTIONS, ...extra }, include }, null, 2),
  );
  return name;
}

beforeAll(async () => {
  const packDir = join(work, 'pack');
  mkdirSync(packDir);
  const { stdout } = await run(npm, ['pack', '--json', '--pack-destination', packDir], {
    cwd: REPO,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  if (packed === undefined) throw new Error(`npm pack printed no result: ${stdout}`);
  tarball = join(packDir, packed.filename);
  tarballFiles = packed.files.map((file) => file.path);

  mkdirSync(join(project, 'src'), { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module' }));
  const devDependencies = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  // The versions this repository tests with, so that the npm cache usually has them.
  const heyApi = `@hey-api/openapi-ts@${devDependencies.devDependencies['@hey-api/openapi-ts'] ?? '0.99'}`;
  const typesNode = `@types/node@${devDependencies.devDependencies['@types/node'] ?? '24'}`;
  // hey-api 0.99 needs TypeScript 6 (docs/codegen.md says so): npm would pick 7 for its peer dependency.
  const typescript = `typescript@${devDependencies.devDependencies.typescript ?? '6'}`;
  await inProject(npm, [
    'install',
    '--no-audit',
    '--no-fund',
    '--prefer-offline',
    tarball,
    heyApi,
    typesNode,
    typescript,
  ]);
});

afterAll(async () => {
  await closeConnections();
  rmSync(work, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('holds dist/src (JS, declarations, source maps) and dist/codegen, nothing from test/, bench/ or tools/', () => {
    expect(tarballFiles).toContain('dist/src/index.js');
    expect(tarballFiles).toContain('dist/src/index.d.ts');
    expect(tarballFiles).toContain('dist/src/index.js.map');
    expect(tarballFiles).toContain('dist/src/cli/main.js');
    expect(tarballFiles).toContain('dist/codegen/generate.js');
    expect(tarballFiles).toContain('package.json');
    const stray = tarballFiles.filter(
      (file) => !file.startsWith('dist/src/') && !file.startsWith('dist/codegen/') && !/^[^/]+$/.test(file),
    );
    expect(stray).toEqual([]);
  });

  it('type-checks a user file with connect, Recorder, objectRef, kube-events/testing and kube-events/metrics', async () => {
    writeFileSync(
      join(project, 'src', 'use.ts'),
      `import { connect, objectRef, Recorder, reporterFromEnv, type Connection } from 'kube-events';
import { FakeRecorder } from 'kube-events/testing';
import { registerRecorderMetrics, type PromClientLike } from 'kube-events/metrics';

const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-0', namespace: 'shop', uid: 'u1' } };

export async function controller(client: PromClientLike): Promise<void> {
  const conn: Connection = await connect({ rateLimit: { qps: 20 } });
  const recorder = new Recorder(conn, reporterFromEnv('example.com/my-operator'), { maxSeries: 100 });
  registerRecorderMetrics(recorder, client, { recorderLabel: 'main' });
  const result = await recorder.publish({ type: 'Warning', reason: 'BackOff', action: 'Reconcile' }, objectRef(pod));
  console.log(result.write, result.count);
  await recorder.close();
  await conn.close();
}

export async function inTests(): Promise<number> {
  const fake = new FakeRecorder({ controller: 'example.com/my-operator' });
  await fake.publish({ type: 'Normal', reason: 'Synced', action: 'Reconcile' }, objectRef(pod));
  return fake.assertPublished({ reason: 'Synced', regarding: { name: 'web-0' } }).count;
}
`,
    );
    await tsc(writeTsconfig('tsconfig.use.json', ['src/use.ts'], { noEmit: true }));
  });

  it('runs its bin: npx kube-events --help', async () => {
    const { stdout } = await inProject(npx, ['--no-install', 'kube-events', '--help']);
    expect(stdout).toContain('kube-events <command> [flags]');
  });

  it("regenerates the client from the cluster's spec into a project that compiles with tsc and calls the apiserver", async () => {
    const admin = kube().info.kubeconfigs.admin;
    const pulled = await inProject(npx, ['--no-install', 'kube-events', 'spec', 'pull', '--kubeconfig', admin]);
    expect(pulled.stdout).toMatch(/pulled v\d+\.\d+\.\d+/);
    await inProject(npx, ['--no-install', 'kube-events', 'codegen', '--out', 'src/k8s-events']);
    const generated = readFileSync(join(project, 'src', 'k8s-events', 'sdk.gen.ts'), 'utf8');
    expect(generated).toContain("from './client/index.js'");

    // The wiring docs/codegen.md shows: the generated functions over the connection's ky and URL.
    writeFileSync(
      join(project, 'src', 'list.ts'),
      `import { connect } from 'kube-events';
import { createClient, createConfig } from './k8s-events/client/index.js';
import { listEventsV1NamespacedEvent } from './k8s-events/sdk.gen.js';

const [kubeconfig, namespace] = process.argv.slice(2) as [string, string];
const conn = await connect({ kubeconfig });
const client = createClient(createConfig({ baseUrl: conn.baseUrl, ky: conn.ky }));
const { data } = await listEventsV1NamespacedEvent({ client, path: { namespace }, throwOnError: true });
console.log(JSON.stringify(data.items.map((event) => event.reason)));
await conn.close();
`,
    );
    await tsc(writeTsconfig('tsconfig.json', ['src']));

    const namespace = await freshNamespace('package');
    const conn = await connectAs('admin');
    await conn.events.create({
      metadata: { name: 'from-the-suite', namespace },
      eventTime: microTimeNow(),
      reportingController: 'kube-events.test/package',
      reportingInstance: 'package-test',
      action: 'Check',
      reason: 'Listed',
      type: 'Normal',
      regarding: { apiVersion: 'v1', kind: 'Pod', namespace, name: 'web-0' },
    });
    const { stdout } = await inProject(process.execPath, [join('dist', 'list.js'), admin, namespace]);
    expect(JSON.parse(stdout)).toEqual(['Listed']);
  });
});
