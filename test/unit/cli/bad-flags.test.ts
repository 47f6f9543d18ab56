/**
 * Bad flags of every command: one line naming the flag, a hint, exit 2, before any connection
 * (KUBECONFIG points at a file that does not exist: reaching it would be exit 1, not 2).
 */
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../../src/cli/args.ts';
import { main } from '../../../src/cli/main.ts';

async function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    env: { KUBECONFIG: '/nonexistent/kube-events-test/kubeconfig' },
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

const publish = (...flags: string[]) => ['publish', 'pod/x', '--reason', 'R', '--action', 'A', ...flags];
const hint = (command: string) => `Run 'kube-events ${command} --help' for usage.`;

describe('bad flags: a usage error naming the flag, exit 2', () => {
  it.each([
    // A flag where a value should be (parseArgs calls it "ambiguous").
    [['publish', 'pod/x', '--reason', '--action', 'A'], 'flag --reason needs a value (the next word is a flag'],
    [['list', '-n', '--types', 'Normal'], 'flag --namespace needs a value (the next word is a flag'],
    [publish('--count', '-1'), 'flag --count needs a value (the next word is a flag'],
    // Missing and empty values.
    [['list', '-o'], 'flag --output needs a value'],
    [['publish', 'pod/x', '--reason', 'R', '--action', ''], 'flag --action needs a value, got ""'],
    [['list', '--kubeconfig', ''], 'flag --kubeconfig needs a value, got ""'],
    [['watch', '--context='], 'flag --context needs a value, got ""'],
    [publish('--uid='), 'flag --uid needs a value, got ""'],
    [['list', '--types', ''], 'flag --types needs a value, got ""'],
    // Given twice: the first value would be lost.
    [['publish', 'pod/x', '--reason', 'R', '--reason', 'S', '--action', 'A'], 'flag --reason is given twice'],
    [['list', '-n', 'a', '--namespace', 'b'], 'flag --namespace is given twice'],
    // Namespaces are DNS labels.
    [publish('-n', 'a.b'), '--namespace: "a.b" is not a namespace name'],
    [['list', '-n', 'Shop'], '--namespace: "Shop" is not a namespace name'],
    [['watch', '--namespace', 'x'.repeat(64)], `--namespace: "${'x'.repeat(64)}" is not a namespace name`],
    // Bad numbers.
    [publish('--count', 'abc'), '--count must be a whole number from 1 to 1000000, got "abc"'],
    [publish('--count', '1e3'), '--count must be a whole number from 1 to 1000000, got "1e3"'],
    [publish('--count', '1000001'), '--count must be a whole number from 1 to 1000000, got "1000001"'],
    [publish('--count=0x10'), '--count must be a whole number from 1 to 1000000, got "0x10"'],
    // Unknown flags, and values for flags that take none.
    [publish('--reasn', 'R'), 'unknown flag --reasn'],
    [publish('--Reason', 'R'), 'unknown flag --Reason'],
    [['list', '-x'], 'unknown flag -x'],
    [publish('--cluster-scoped=yes'), 'flag --cluster-scoped does not take a value'],
  ])('%j', async (argv, message) => {
    const result = await run(argv);
    const command = argv[0] ?? '';
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const [line, hintLine, rest] = result.stderr.split('\n');
    expect(line?.startsWith(`kube-events: ${message}`)).toBe(true);
    expect(hintLine).toBe(hint(command));
    expect(rest).toBe('');
  });

  it('--note and --instance may be empty: no usage error (it fails later, on the missing kubeconfig)', async () => {
    for (const flags of [
      ['--note', ''],
      ['--instance', ''],
    ]) {
      const result = await run(publish(...flags));
      expect(result.code).toBe(1);
      expect(result.stderr).not.toMatch(/needs a value/);
    }
  });

  it('a valid namespace passes the check', async () => {
    const result = await run(['list', '-n', `a${'-'.repeat(61)}b`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/kubeconfig/);
  });
});
