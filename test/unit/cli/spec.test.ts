/** `kube-events codegen` and `spec` in-process: generation into --out, and usage errors. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareDirs } from '../../../codegen/check.ts';
import { generate } from '../../../codegen/generate.ts';
import { OPENAPI_DIR, specPathForVersion } from '../../../codegen/spec-files.ts';
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
  it('generates the client for a version folder in the layout of a user project (.js imports)', async () => {
    const out = await mkdtemp(join(tmpdir(), 'kube-events-codegen-cli-'));
    const expected = await mkdtemp(join(tmpdir(), 'kube-events-codegen-expected-'));
    dirs.push(out, expected);
    const result = await run(['codegen', '--openapi-dir', OPENAPI_DIR, '--k8s', 'v1.37.2', '--out', out]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    await generate(specPathForVersion('v1.37.2'), expected, { importExtension: '.js' });
    expect(compareDirs(expected, out)).toEqual({ added: [], removed: [], changed: [] });
    expect(await readFile(join(out, 'sdk.gen.ts'), 'utf8')).toContain("from './client/index.js'");
  });

  it('keeps .ts imports with --import-extension .ts', async () => {
    const out = await mkdtemp(join(tmpdir(), 'kube-events-codegen-cli-'));
    dirs.push(out);
    const argv = ['codegen', '--openapi-dir', OPENAPI_DIR, '--out', out, '--import-extension', '.ts'];
    expect(await run(argv)).toMatchObject({ code: 0, stderr: '' });
    expect(await readFile(join(out, 'sdk.gen.ts'), 'utf8')).toContain("from './client/index.ts'");
  });

  it.each([
    [['codegen'], 2, /codegen needs --out DIR/],
    [['codegen', '--out', 'x', '--k8s', 'v1.37.2', '--spec', 'f.json'], 2, /give --k8s or --spec, not both/],
    [['codegen', '--out', 'x', '--bogus'], 2, /unknown flag --bogus/],
    [['codegen', '--out', 'x', '--spec', 'missing.json'], 1, /missing\.json: no such file/],
    [['codegen', '--out', 'x', '--openapi-dir', OPENAPI_DIR, '--k8s', 'v9.9.9'], 1, /v9\.9\.9.*no such file/],
    [['codegen', '--out', 'x', '--import-extension', 'mjs'], 2, /--import-extension must be \.js or \.ts/],
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
