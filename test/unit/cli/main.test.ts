/** The command line in-process: exit codes and messages for every kind of bad input. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_RETRY, oneLine, parseFlags, useColour, type CliIo } from '../../../src/cli/args.ts';
import { main, MAIN_USAGE } from '../../../src/cli/main.ts';
import { PUBLISH_USAGE } from '../../../src/cli/publish.ts';

let dir: string;
/** A kubeconfig whose server refuses connections (a port that was free a moment ago). */
let unreachable: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kube-events-cli-unit-'));
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
  unreachable = join(dir, 'kubeconfig');
  await writeFile(
    unreachable,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{ name: c, cluster: { server: "https://127.0.0.1:${port}" } }]`,
      'users: [{ name: u, user: { token: not-a-secret } }]',
      'contexts: [{ name: c, context: { cluster: c, user: u, namespace: team } }]',
      'current-context: c',
    ].join('\n'),
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    env: { KUBECONFIG: unreachable, ...env },
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

const usage = (message: string, hint: string | RegExp) => ({
  code: 2,
  stdout: '',
  stderr: expect.stringMatching(
    new RegExp(
      `^kube-events: ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n${typeof hint === 'string' ? hint.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : hint.source}\\n$`,
    ),
  ),
});
const PUBLISH_HINT = "Run 'kube-events publish --help' for usage.";

describe('help and version', () => {
  it('no command: the usage on stderr, exit 2; --help and help: on stdout, exit 0', async () => {
    expect(await run([])).toEqual({ code: 2, stdout: '', stderr: `${MAIN_USAGE}\n` });
    expect(await run(['--help'])).toEqual({ code: 0, stdout: `${MAIN_USAGE}\n`, stderr: '' });
    expect(await run(['help'])).toEqual({ code: 0, stdout: `${MAIN_USAGE}\n`, stderr: '' });
    expect((await run(['--version'])).stdout).toMatch(/^kube-events \d+\.\d+\.\d+\n$/);
  });

  it('a command --help (or -h) wins over other problems with the flags', async () => {
    expect(await run(['publish', '--help'])).toEqual({ code: 0, stdout: `${PUBLISH_USAGE}\n`, stderr: '' });
    expect((await run(['publish', '--bogus', '-h'])).code).toBe(0);
    expect((await run(['list', '-h'])).stdout).toMatch(/^List Events like `kubectl events`/);
    expect((await run(['watch', '--help'])).stdout).toMatch(/until interrupted/);
    for (const command of ['publish', 'list', 'watch']) {
      expect((await run([command, '--help'])).stdout).toMatch(
        /--kubeconfig PATH[\s\S]*--context NAME[\s\S]*-n, --namespace/,
      );
    }
  });
});

describe('usage errors: one line, a hint, exit 2, before any connection', () => {
  it.each([
    [['frob'], 'unknown command "frob"', /Commands: publish, list, watch, spec, codegen\. .*/],
    [['--kubeconfig', 'x', 'list'], 'the command comes first, got flag --kubeconfig', /Commands: .*/],
    [['publish', 'pod/x', '--reason', 'R', '--action', 'A', '--bogus'], 'unknown flag --bogus', PUBLISH_HINT],
    [['publish', 'pod/x', '--reason', 'R', '--action', 'A', '-z'], 'unknown flag -z', PUBLISH_HINT],
    [['publish', 'pod/x', '--action', 'A'], 'missing flag --reason', PUBLISH_HINT],
    [['publish', 'pod/x', '--reason', 'R'], 'missing flag --action', PUBLISH_HINT],
    [['publish', 'pod/x', '--action', 'A', '--reason'], 'flag --reason needs a value', PUBLISH_HINT],
    [
      ['publish', 'pod/x', '--reason', 'R', '--action', 'A', '--debug=yes'],
      'flag --debug does not take a value',
      PUBLISH_HINT,
    ],
    [['publish', '--reason', 'R', '--action', 'A'], 'missing the object: <kind>/<name> or -f manifest', PUBLISH_HINT],
    [
      ['publish', 'pod/x', '-f', 'm.yaml', '--reason', 'R', '--action', 'A'],
      'give <kind>/<name> or -f, not both',
      PUBLISH_HINT,
    ],
    [
      ['publish', 'pod/x', 'pod/y', '--reason', 'R', '--action', 'A'],
      'publish takes one <kind>/<name>, got 2',
      PUBLISH_HINT,
    ],
    [
      ['publish', 'pod/x', '--type', 'Error', '--reason', 'R', '--action', 'A'],
      '--type must be Normal or Warning, got "Error"',
      PUBLISH_HINT,
    ],
    [
      ['publish', 'pod/x', '--count', '0', '--reason', 'R', '--action', 'A'],
      '--count must be a whole number from 1 to 1000000, got "0"',
      PUBLISH_HINT,
    ],
    [
      ['publish', 'pod/x', '--count', '2.5', '--reason', 'R', '--action', 'A'],
      '--count must be a whole number from 1 to 1000000, got "2.5"',
      PUBLISH_HINT,
    ],
    [
      ['publish', 'widget/x', '--reason', 'R', '--action', 'A'],
      'kind/name: unknown kind "widget"',
      /Use -f .*--api-version.*/,
    ],
    [
      ['publish', 'pod/x', '--related', 'gizmo/g', '--reason', 'R', '--action', 'A'],
      '--related: unknown kind "gizmo"',
      /Use -f .*/,
    ],
    [
      ['publish', 'web-0', '--reason', 'R', '--action', 'A'],
      'kind/name: expected <kind>/<name>, got "web-0"',
      /For example .*/,
    ],
    [['list', '-o', 'wide'], '--output must be json or yaml, got "wide"', "Run 'kube-events list --help' for usage."],
    [['list', '-A', '-n', 'x'], 'give -n or -A, not both', "Run 'kube-events list --help' for usage."],
    [
      ['list', '--types', 'Error'],
      '--types takes Normal and/or Warning, got "Error"',
      "Run 'kube-events list --help' for usage.",
    ],
    [['list', '--for', 'thing/x'], '--for: unknown kind "thing"', /Use -f .*/],
    [['list', 'pods'], 'list takes no arguments, got "pods"', "Run 'kube-events list --help' for usage."],
    [['watch', '--bogus'], 'unknown flag --bogus', "Run 'kube-events watch --help' for usage."],
  ])('%j', async (argv, message, hint) => {
    expect(await run(argv)).toEqual(usage(message, hint));
  });
});

describe('runtime failures: one line, exit 1, a stack only with --debug', () => {
  it('a reason over 128 bytes: a ValidationError naming the field and the flag, before any request', async () => {
    const result = await run(['publish', 'pod/x', '--reason', 'R'.repeat(200), '--action', 'A']);
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: 'kube-events: invalid event: reason: is 200 bytes; the apiserver allows at most 128 (--reason)\n',
    });
  });

  it('a controller that is not a qualified name', async () => {
    const result = await run(['publish', 'pod/x', '--reason', 'R', '--action', 'A', '--controller', 'Bad Name']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^kube-events: invalid event: reporter\.controller: "Bad Name" is not a qualified name .*\(--controller\)\n$/,
    );
  });

  it('an unreachable cluster: one line naming the request and the cause', async () => {
    const result = await run(['publish', 'pod/x', '--reason', 'R', '--action', 'A']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^kube-events: POST https:\/\/127\.0\.0\.1:\d+\/apis\/events\.k8s\.io\/v1\/namespaces\/team\/events\S*: cannot reach the apiserver \(.*ECONNREFUSED.*\)\n$/,
    );
  });

  it('--debug adds the stack and its causes', async () => {
    const result = await run(['list', '--debug']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^kube-events: GET .*cannot reach the apiserver.*\nNetworkError: .*\n\s+at /);
  });

  it('a missing kubeconfig and a missing manifest: one line each', async () => {
    const noConfig = await run(['list', '--kubeconfig', join(dir, 'nope')]);
    expect(noConfig.code).toBe(1);
    expect(noConfig.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(noConfig.stderr).toContain(join(dir, 'nope'));
    const noFile = await run(['publish', '-f', join(dir, 'gone.yaml'), '--reason', 'R', '--action', 'A']);
    expect(noFile).toEqual({
      code: 1,
      stdout: '',
      stderr: `kube-events: ${join(dir, 'gone.yaml')}: cannot read (ENOENT)\n`,
    });
  });
});

describe('args', () => {
  it('parseFlags: values, positionals, short flags', () => {
    const { values, positionals } = parseFlags('x', ['a', '-n', 'ns', '--debug'], {
      namespace: { type: 'string', short: 'n' },
      debug: { type: 'boolean' },
    });
    expect(values).toEqual({ namespace: 'ns', debug: true });
    expect(positionals).toEqual(['a']);
  });

  it('colours only on a TTY without NO_COLOR', () => {
    const io = (isTTY: boolean, env: NodeJS.ProcessEnv): CliIo => ({
      stdout: { write: () => true, isTTY },
      stderr: { write: () => true },
      env,
    });
    expect(useColour(io(true, {}))).toBe(true);
    expect(useColour(io(true, { NO_COLOR: '' }))).toBe(true);
    expect(useColour(io(true, { NO_COLOR: '1' }))).toBe(false);
    expect(useColour(io(false, {}))).toBe(false);
  });

  it('the CLI retries less than a controller, and messages fit one line', () => {
    expect(CLI_RETRY.maxRetries).toBeLessThan(10);
    expect(oneLine('a\n   b\nc  ')).toBe('a b c');
  });
});
