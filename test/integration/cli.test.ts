/**
 * The `kube-events` command end to end: spawned as users run it (`node src/cli/main.ts`), against
 * the real kube-apiserver, checked with the real kubectl. The watch survives an apiserver restart
 * on a harness of this file's own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareDirs } from '../../codegen/check.ts';
import { generate } from '../../codegen/generate.ts';
import { specPathForVersion } from '../../codegen/spec-files.ts';
import { parse as parseYaml } from 'yaml';
import type { Connection } from '../../src/connection/index.ts';
import { Recorder } from '../../src/recorder/recorder.ts';
import type { Event, EventList } from '../../src/types.ts';
import { control, startHarness, type HarnessInfo, type RunningHarness } from '../../tools/harness/start.ts';
import { closeConnections, connectAs, escapeRegExp, freshNamespace, kube, kubectl } from './env.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(REPO, 'src', 'cli', 'main.ts');

let ns: string;
let tmp: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts the CLI; `output()` waits until stdout matches. */
function start(args: string[]): {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  output: (pattern: RegExp) => Promise<string>;
  exited: Promise<Run>;
} {
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd: REPO,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: (text: string) => void }[] = [];
  const check = (): void => {
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(stdout)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(stdout);
      }
    }
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    check();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<Run>((resolve) =>
    child.once('close', (code) => {
      for (const waiter of waiters) waiter.resolve(stdout);
      resolve({ code, stdout, stderr });
    }),
  );
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    output: (pattern) =>
      new Promise((resolve) => {
        waiters.push({ pattern, resolve });
        check();
      }),
    exited,
  };
}

const cli = (args: string[]): Promise<Run> => start(args).exited;
const as = (identity: 'admin' | 'events-writer' | 'events-creator', info: HarnessInfo = kube().info): string[] => [
  '--kubeconfig',
  info.kubeconfigs[identity],
];

async function getEvent(name: string, namespace = ns): Promise<Event> {
  return JSON.parse(await kubectl(['get', 'events.events.k8s.io', name, '-n', namespace, '-o', 'json'])) as Event;
}

const createdName = (stdout: string): string => {
  const name = /^event\.events\.k8s\.io\/(\S+) created \(/m.exec(stdout)?.[1];
  expect(name).toBeDefined();
  return name ?? '';
};

beforeAll(async () => {
  ns = await freshNamespace('cli');
  tmp = await mkdtemp(join(tmpdir(), 'kube-events-cli-'));
});
afterAll(async () => {
  await closeConnections();
  await rm(tmp, { recursive: true, force: true });
});

describe('kube-events publish', () => {
  it('publishes an Event that kubectl sees with every field; exit 0', async () => {
    const run = await cli([
      'publish',
      'pod/cli-web-0',
      '-n',
      ns,
      '--type',
      'Warning',
      '--reason',
      'BackOff',
      '--action',
      'Reconcile',
      '--note',
      'image pull failed',
      '--related',
      'node/n1',
      '--instance',
      'cli-test',
      ...as('events-writer'),
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(`^event\\.events\\.k8s\\.io/cli-web-0\\.[0-9a-f]+ created \\(namespace ${ns}, count 1\\)\\n$`),
    );
    const event = await getEvent(createdName(run.stdout));
    expect(event).toMatchObject({
      type: 'Warning',
      reason: 'BackOff',
      action: 'Reconcile',
      note: 'image pull failed',
      reportingController: 'kube-events/cli',
      reportingInstance: 'cli-test',
      regarding: { apiVersion: 'v1', kind: 'Pod', namespace: ns, name: 'cli-web-0' },
      related: { apiVersion: 'v1', kind: 'Node', name: 'n1' },
    });
  });

  it('--count 5 is one series: create, patch, coalesced, then close() writes count 5', async () => {
    const run = await cli([
      'publish',
      'deployments.apps/cli-series',
      '-n',
      ns,
      '--reason',
      'Synced',
      '--action',
      'Reconcile',
      '--note',
      'synced',
      '--count',
      '5',
      ...as('events-writer'),
    ]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(
      lines.map((line) => /^event\.events\.k8s\.io\/\S+ (\w+) \(namespace \S+, count (\d+)\)$/.exec(line)?.slice(1)),
    ).toEqual([
      ['created', '1'],
      ['patched', '2'],
      ['coalesced', '3'],
      ['coalesced', '4'],
      ['coalesced', '5'],
      ['written', '5'],
    ]);
    const event = await getEvent(createdName(run.stdout));
    expect(event.series?.count).toBe(5);
    expect(event.regarding).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'cli-series' });
  });

  it('--legacy-fields --count 3: one core/v1 Event with count 3 and lastTimestamp (admin; events-writer is refused)', async () => {
    const args = ['publish', 'pod/cli-legacy', '-n', ns, '--reason', 'Synced', '--action', 'Reconcile', '--count', '3'];
    const run = await cli([...args, '--legacy-fields', ...as('admin')]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.map((line) => /^event\/(\S+) (\w+) \(namespace \S+, count (\d+)\)$/.exec(line)?.[3])).toEqual([
      '1',
      '2',
      '3',
      '3',
    ]);
    const name = /^event\/(\S+)/.exec(lines[0] ?? '')?.[1] ?? '';
    const core = JSON.parse(await kubectl(['get', 'events', name, '-n', ns, '-o', 'json'])) as {
      count?: number;
      lastTimestamp?: string;
      series?: { count: number };
    };
    expect(core).toMatchObject({ count: 3, series: { count: 3 } });
    expect(core.lastTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const denied = await cli([...args, '--legacy-fields', ...as('events-writer')]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/cannot create resource "events" in API group ""/);
  });

  it('-f a manifest from kubectl get -o yaml: the uid is kept, kubectl describe shows the Event', async () => {
    await kubectl(['create', 'configmap', 'cli-config', '-n', ns, '--from-literal', 'a=b']);
    const manifest = join(tmp, 'configmap.yaml');
    await writeFile(manifest, await kubectl(['get', 'configmap', 'cli-config', '-n', ns, '-o', 'yaml']));
    const run = await cli([
      'publish',
      '-f',
      manifest,
      '--reason',
      'Loaded',
      '--action',
      'Read',
      ...as('events-writer'),
    ]);
    expect(run.code).toBe(0);
    const event = await getEvent(createdName(run.stdout));
    const uid = (await kubectl(['get', 'configmap', 'cli-config', '-n', ns, '-o', 'jsonpath={.metadata.uid}'])).trim();
    expect(event.regarding).toMatchObject({ kind: 'ConfigMap', name: 'cli-config', namespace: ns, uid });
    expect(await kubectl(['describe', 'configmap', 'cli-config', '-n', ns])).toMatch(
      /Normal\s+Loaded\s+\S+\s+kube-events\/cli/,
    );
  });

  it('a namespace that does not exist: the create is lost as namespace-gone; exit 1, the loss on stderr, nothing "written"', async () => {
    const missing = `${ns}-missing`;
    const args = ['publish', 'pod/cli-lost', '-n', missing, '--reason', 'Synced', '--action', 'Reconcile'];
    const run = await cli([...args, '--count', '3', ...as('events-writer')]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('kube-events: 1 of 1 occurrence(s) lost (namespace-gone: 1)');
    expect(lines[1]).toMatch(
      new RegExp(
        `^kube-events: 1 occurrence\\(s\\) of Synced about Pod ${escapeRegExp(missing)}/cli-lost lost \\(namespace-gone\\): .*the namespace no longer exists \\(cause: POST .* 404 NotFound: namespaces "${escapeRegExp(missing)}" not found\\)$`,
      ),
    );
    expect(lines[2]).toBe('kube-events: stopped at occurrence 1 of 3');
  });

  it('an identity that may create but not patch: --count 3 loses count 2 as forbidden; exit 1, what landed stays', async () => {
    const args = ['publish', 'pod/cli-no-patch', '-n', ns, '--reason', 'Synced', '--action', 'Reconcile'];
    const run = await cli([...args, '--count', '3', ...as('events-creator')]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^event\.events\.k8s\.io\/\S+ created \(namespace \S+, count 1\)\n$/);
    expect(run.stdout).not.toMatch(/written/);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('kube-events: 1 of 2 occurrence(s) lost (forbidden: 1)');
    expect(lines[1]).toMatch(
      /lost \(forbidden\): .*the identity needs create and patch on events .*cannot patch resource "events"/,
    );
    expect(lines[2]).toBe('kube-events: stopped at occurrence 2 of 3');
    expect((await getEvent(createdName(run.stdout))).series).toBeUndefined();
  });

  it('a cluster-scoped kind (clusterrole/x) goes to the default namespace without a namespace of its own', async () => {
    const run = await cli([
      'publish',
      'clusterrole/system:cli-test',
      '--reason',
      'Reconciled',
      '--action',
      'Sync',
      ...as('events-writer'),
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/ created \(namespace default, count 1\)/);
    const event = await getEvent(createdName(run.stdout), 'default');
    expect(event.regarding).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      name: 'system:cli-test',
    });
  });
});

describe('kube-events list', () => {
  beforeAll(async () => {
    // The series of the publish tests may not exist when this block runs alone.
    const run = await cli(
      ['publish', 'pod/cli-list', '-n', ns, '--type', 'Warning', '--reason', 'Unhealthy'].concat([
        '--action',
        'Probe',
        '--note',
        'readiness probe failed',
        '--count',
        '5',
        ...as('events-writer'),
      ]),
    );
    expect(run.code).toBe(0);
  });

  it('prints the kubectl events table with (x5 over …) (admin)', async () => {
    const run = await cli(['list', '-n', ns, ...as('admin')]);
    expect(run.code).toBe(0);
    const [header, ...rows] = run.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
    expect(rows.join('\n')).toMatch(
      /\S+ \(x5 over \S+\)\s+Warning\s+Unhealthy\s+pod\/cli-list\s+readiness probe failed/,
    );
  });

  it('--for and --types filter; -A adds NAMESPACE', async () => {
    const only = await cli(['list', '-n', ns, '--for', 'pod/cli-list', '--types', 'Warning', ...as('admin')]);
    expect(only.code).toBe(0);
    const rows = only.stdout.trimEnd().split('\n').slice(1);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row).toMatch(/Warning\s+Unhealthy\s+pod\/cli-list/);
    const normal = await cli(['list', '-n', ns, '--for', 'pod/cli-list', '--types', 'Normal', ...as('admin')]);
    expect(normal).toMatchObject({ code: 0, stdout: '' });
    expect(normal.stderr).toBe(`No events found in ${ns} namespace.\n`);
    const all = await cli(['list', '-A', '--for', 'pod/cli-list', ...as('admin')]);
    expect(all.stdout).toMatch(/^NAMESPACE\s+LAST SEEN/);
    expect(all.stdout).toMatch(new RegExp(`^${escapeRegExp(ns)}\\s+.*pod/cli-list`, 'm'));
  });

  it('-o json and -o yaml parse to an EventList', async () => {
    const json = await cli(['list', '-n', ns, '--for', 'pod/cli-list', '-o', 'json', ...as('admin')]);
    expect(json.code).toBe(0);
    const list = JSON.parse(json.stdout) as EventList & { kind: string };
    expect(list.kind).toBe('EventList');
    expect(list.items.map((event) => [event.regarding?.name, event.series?.count])).toEqual([['cli-list', 5]]);
    const yaml = await cli(['list', '-n', ns, '--for', 'pod/cli-list', '-o', 'yaml', ...as('admin')]);
    expect((parseYaml(yaml.stdout) as EventList).items[0]?.reason).toBe('Unhealthy');
  });

  it('events-writer may not list: exit 1, one line naming the verb, no stack', async () => {
    const run = await cli(['list', '-n', ns, ...as('events-writer')]);
    expect(run.code).toBe(1);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^kube-events: .*403 Forbidden.*cannot list resource "events"/);
  });
});

describe('kube-events spec pull and codegen', () => {
  it('pulls the cluster spec into --out-dir and generates a client from it, the one the committed spec gives', async () => {
    const openapiDir = join(tmp, 'openapi');
    const pulled = await cli(['spec', 'pull', ...as('admin'), '--out-dir', openapiDir]);
    expect(pulled.code).toBe(0);
    const version = kube().info.version.replace(/[+-].*$/, '');
    expect(pulled.stdout).toMatch(
      new RegExp(`pulled ${escapeRegExp(kube().info.version)} from .* into ${escapeRegExp(join(openapiDir, version))}`),
    );
    const out = join(tmp, 'generated');
    const generated = await cli(['codegen', '--openapi-dir', openapiDir, '--out', out]);
    expect(generated.code).toBe(0);
    expect(generated.stdout).toMatch(/^generated /);
    if (!kube().external) {
      // On the built-in v1.37.2 server the spec is the committed one, so the client is the same bytes.
      const expected = join(tmp, 'expected');
      await generate(specPathForVersion('v1.37.2'), expected);
      expect(compareDirs(expected, out)).toEqual({ added: [], removed: [], changed: [] });
    }
  });
});

describe('bad input', () => {
  it('an unknown flag: exit 2, one line and a hint', async () => {
    const run = await cli(['publish', 'pod/x', '--reason', 'R', '--action', 'A', '--bogus', ...as('events-writer')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("kube-events: unknown flag --bogus\nRun 'kube-events publish --help' for usage.\n");
  });

  it('an unknown kind: exit 2 with a hint to use -f or --api-version', async () => {
    const run = await cli(['publish', 'widget/x', '--reason', 'R', '--action', 'A', ...as('events-writer')]);
    expect(run.code).toBe(2);
    const [line, hint] = run.stderr.trimEnd().split('\n');
    expect(line).toBe('kube-events: kind/name: unknown kind "widget"');
    expect(hint).toMatch(/-f .*--api-version/);
  });

  it('--api-version names any kind', async () => {
    const run = await cli(
      ['publish', 'Widget/w1', '-n', ns, '--api-version', 'example.com/v1', '--reason', 'R', '--action', 'A'].concat(
        as('events-writer'),
      ),
    );
    expect(run.code).toBe(0);
    expect((await getEvent(createdName(run.stdout))).regarding).toEqual({
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      namespace: ns,
      name: 'w1',
    });
  });

  it('an unreachable cluster: exit 1, one line, no stack', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
      });
    });
    const kubeconfig = join(tmp, 'unreachable.yaml');
    await writeFile(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        `clusters: [{ name: gone, cluster: { server: "https://127.0.0.1:${port}" } }]`,
        'users: [{ name: u, user: { token: not-a-secret } }]',
        'contexts: [{ name: gone, context: { cluster: gone, user: u } }]',
        'current-context: gone',
      ].join('\n'),
    );
    const run = await cli(['publish', 'pod/x', '--reason', 'R', '--action', 'A', '--kubeconfig', kubeconfig]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^kube-events: .*cannot reach the apiserver \(.*ECONNREFUSED.*\)\n$/);
    const debug = await cli(['list', '--kubeconfig', kubeconfig, '--debug']);
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });

  it('a reason over 128 bytes: exit 1, the field named, nothing written', async () => {
    const run = await cli(
      ['publish', 'pod/x', '-n', ns, '--reason', 'R'.repeat(129), '--action', 'A'].concat(as('events-writer')),
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'kube-events: invalid event: reason: is 129 bytes; the apiserver allows at most 128 (--reason)\n',
    );
  });

  it('-f a file that is not Kubernetes YAML: exit 1, one line', async () => {
    const file = join(tmp, 'not-k8s.yaml');
    await writeFile(file, 'just: some\nyaml: here\n');
    const run = await cli(['publish', '-f', file, '--reason', 'R', '--action', 'A', ...as('events-writer')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `kube-events: ${file}: not a Kubernetes object (the first document needs apiVersion, kind and metadata.name)\n`,
    );
  });
});

describe('kube-events watch (own apiserver, restarted)', () => {
  let harness: RunningHarness;
  let info: HarnessInfo;
  let writer: Connection;

  beforeAll(async () => {
    harness = await startHarness(kube().apiserverBinary);
    info = harness.info;
    writer = await connectAs('events-writer', { info });
  });
  afterAll(async () => {
    await harness.stop();
  });

  it('prints the header once and a row per change, survives a restart, exits 0 on SIGINT', async () => {
    const recorder = new Recorder(writer, { controller: 'kube-events.test/cli', instance: 'watch-0' });
    const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name });
    const watch = start(['watch', '-n', 'default', ...as('admin', info)]);
    await watch.output(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE\n/);

    await recorder.publish({ type: 'Warning', reason: 'BeforeRestart', action: 'Probe', note: 'one' }, pod('w-1'));
    await watch.output(/Warning\s+BeforeRestart\s+pod\/w-1\s+one\n/);
    // The second occurrence is a MODIFIED change of the same Event: a row with (x2 over …).
    await recorder.publish({ type: 'Warning', reason: 'BeforeRestart', action: 'Probe', note: 'one' }, pod('w-1'));
    await watch.output(/\(x2 over \S+\)\s+Warning\s+BeforeRestart\s+pod\/w-1/);

    await control(info, 'restart');
    await recorder.publish({ type: 'Normal', reason: 'AfterRestart', action: 'Probe', note: 'two' }, pod('w-2'));
    const printed = await watch.output(/Normal\s+AfterRestart\s+pod\/w-2\s+two\n/);
    await recorder.close();

    watch.child.kill('SIGINT');
    const run = await watch.exited;
    expect(run.code).toBe(0);
    expect(printed.match(/LAST SEEN/g)).toHaveLength(1);
    expect(printed.match(/pod\/w-1 /g)).toHaveLength(2);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
