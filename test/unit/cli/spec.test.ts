/** `kube-events codegen` and `spec` in-process: generation into --out, and usage errors. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareDirs } from '../../../codegen/check.ts';
import { GENERATED_DIR, OPENAPI_DIR } from '../../../codegen/spec-files.ts';
import { main } from '../../../src/cli/main.ts';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    env: {},
  });
  return { code, stdout, stderr };
}

describe('kube-events codegen', () => {
  it('generates the client for a version folder, byte for byte what src/generated holds for v1.37.2', async () => {
    const out = await mkdtemp(join(tmpdir(), 'kube-events-codegen-cli-'));
    dirs.push(out);
    const result = await run(['codegen', '--openapi-dir', OPENAPI_DIR, '--k8s', 'v1.37.2', '--out', out]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(compareDirs(GENERATED_DIR, out)).toEqual({ added: [], removed: [], changed: [] });
  });

  it.each([
    [['codegen'], 2, /codegen needs --out DIR/],
    [['codegen', '--out', 'x', '--k8s', 'v1.37.2', '--spec', 'f.json'], 2, /give --k8s or --spec, not both/],
    [['codegen', '--out', 'x', '--bogus'], 2, /unknown flag --bogus/],
    [['codegen', '--out', 'x', '--spec', 'missing.json'], 1, /missing\.json: no such file/],
    [['codegen', '--out', 'x', '--openapi-dir', OPENAPI_DIR, '--k8s', 'v9.9.9'], 1, /v9\.9\.9.*no such file/],
    [['spec'], 2, /spec needs a subcommand/],
    [['spec', 'push'], 2, /unknown spec subcommand "push"/],
  ])('%j → exit %i', async (argv, code, message) => {
    const result = await run(argv);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
  });

  it('has help', async () => {
    expect((await run(['codegen', '--help'])).stdout).toMatch(/--out DIR/);
    expect((await run(['spec', '--help'])).stdout).toMatch(/spec pull \[--out-dir DIR\]/);
  });
});
