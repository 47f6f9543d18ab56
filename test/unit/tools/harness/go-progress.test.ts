import { describe, expect, it } from 'vitest';
import { runWithGoProgress } from '../../../../tools/harness/go-progress.ts';

/** A stand-in for `go build -v`: package names and messages on stderr, then an exit code. */
function fakeBuild(stderrLines: string[], exitCode: number) {
  const script = `printf '%s\\n' ${stderrLines.map((line) => `'${line}'`).join(' ')} >&2; exit ${exitCode}`;
  return { command: 'sh', args: ['-c', script], env: process.env };
}

describe('runWithGoProgress', () => {
  it('prints a line every N packages, the lines asked for, and the total', async () => {
    const lines: string[] = [];
    const packages = Array.from({ length: 5 }, (_, i) => `k8s.io/kubernetes/pkg/p${i}`);
    await runWithGoProgress({
      ...fakeBuild(['go: downloading k8s.io/api v0.37.2', ...packages], 0),
      log: (line) => lines.push(line),
      every: 2,
      echo: (line) => line.startsWith('go: downloading'),
      what: 'building the fake',
    });
    expect(lines).toEqual([
      '  go: downloading k8s.io/api v0.37.2',
      expect.stringMatching(/^ {2}compiled 2 packages \(\d+ s\)$/),
      expect.stringMatching(/^ {2}compiled 4 packages \(\d+ s\)$/),
      expect.stringMatching(/^ {2}built in \d+ s \(5 packages compiled\)$/),
    ]);
  });

  it('fails with the output that was not a package line', async () => {
    const run = runWithGoProgress({
      ...fakeBuild(['example.com/a', './main.go:3:1: syntax error'], 1),
      log: () => undefined,
      every: 100,
      echo: () => false,
      what: 'building the fake',
    });
    await expect(run).rejects.toThrow(/^building the fake failed \(exit 1\):\n\.\/main\.go:3:1: syntax error/);
  });
});
