import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { check, compareDirs } from '../../../codegen/check.ts';
import { RUNTIME_NOCHECK } from '../../../codegen/config.ts';
import { generate, REPOSITORY_OUTPUT } from '../../../codegen/generate.ts';
import {
  GENERATED_DIR,
  newestVersion,
  OPENAPI_DIR,
  specPathForVersion,
  SpecFileError,
} from '../../../codegen/spec-files.ts';

const work = mkdtempSync(join(tmpdir(), 'kube-events-codegen-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const spec = specPathForVersion(newestVersion());

describe('codegen', () => {
  it('is deterministic: two runs give identical bytes, equal to src/generated', async () => {
    await generate(spec, join(work, 'a'), REPOSITORY_OUTPUT);
    await generate(spec, join(work, 'b'), REPOSITORY_OUTPUT);
    expect(compareDirs(join(work, 'a'), join(work, 'b'))).toEqual({ added: [], removed: [], changed: [] });
    expect(compareDirs(join(work, 'a'), GENERATED_DIR)).toEqual({ added: [], removed: [], changed: [] });
  });

  it("generates a user project's layout by default: .js imports, hey-api's runtime not type-checked", async () => {
    const out = join(work, 'user');
    await generate(spec, out);
    const sdk = readFileSync(join(out, 'sdk.gen.ts'), 'utf8');
    expect(sdk).toContain("from './client/index.js'");
    expect(sdk).not.toMatch(/from '\.[^']*\.ts'/);
    // Only the bundled runtime is marked; the operations and types stay checked.
    expect(sdk).not.toContain('@ts-nocheck');
    expect(readFileSync(join(out, 'types.gen.ts'), 'utf8')).not.toContain('@ts-nocheck');
    expect(readFileSync(join(out, 'client', 'client.gen.ts'), 'utf8')).toContain(RUNTIME_NOCHECK);
    expect(readFileSync(join(out, 'core', 'params.gen.ts'), 'utf8')).toContain(RUNTIME_NOCHECK);
    expect(readFileSync(join(GENERATED_DIR, 'client', 'client.gen.ts'), 'utf8')).not.toContain('@ts-nocheck');
  });

  it('check passes on the committed tree', async () => {
    expect(await check({ typeCheck: false })).toEqual([]);
  });

  it('check lists a hand-edited, a missing and an extra generated file', async () => {
    const copy = join(work, 'edited');
    cpSync(GENERATED_DIR, copy, { recursive: true });
    writeFileSync(join(copy, 'sdk.gen.ts'), `${readFileSync(join(copy, 'sdk.gen.ts'), 'utf8')}\n// hand edit\n`);
    rmSync(join(copy, 'core', 'auth.gen.ts'));
    writeFileSync(join(copy, 'extra.ts'), 'export {};\n');
    const problems = await check({ generatedDir: copy, typeCheck: false });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/changed\s+sdk\.gen\.ts/);
    expect(problems[0]).toMatch(/missing\s+core\/auth\.gen\.ts/);
    expect(problems[0]).toMatch(/extra\s+extra\.ts/);
  });

  it('check fails when the spec changed but src/generated was not regenerated', async () => {
    const openapi = join(work, 'openapi');
    cpSync(OPENAPI_DIR, openapi, { recursive: true });
    const file = specPathForVersion(newestVersion(), openapi);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as {
      components: { schemas: Record<string, { description?: string }> };
    };
    const event = doc.components.schemas['io.k8s.api.events.v1.Event'];
    if (event !== undefined) event.description = 'edited';
    writeFileSync(file, JSON.stringify(doc));
    const problems = await check({ openapiDir: openapi, typeCheck: false });
    expect(problems.join('\n')).toMatch(/changed\s+types\.gen\.ts/);
  });

  it('check names a version whose core/v1 Event slice is missing', async () => {
    const openapi = join(work, 'openapi-no-core');
    cpSync(OPENAPI_DIR, openapi, { recursive: true });
    rmSync(join(openapi, newestVersion(), 'core-v1-events.json'));
    const problems = await check({ openapiDir: openapi, typeCheck: false });
    expect(problems[0]).toMatch(
      new RegExp(
        `${newestVersion()}: openapi/${newestVersion()}/core-v1-events\\.json is missing: run npm run spec:pull`,
      ),
    );
    // src/generated has the core/v1 operations: a client without them is drift too.
    expect(problems.join('\n')).toMatch(/changed\s+sdk\.gen\.ts/);
  });

  describe('bad input: one clear error naming the file, output untouched', () => {
    const out = join(work, 'untouched');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'keep.ts'), 'export const keep = 1;\n');

    it.each([
      ['missing', null, /missing\.json: no such file/],
      ['invalid.json', '{ not json', /invalid\.json: not valid JSON/],
      ['swagger.json', JSON.stringify({ swagger: '2.0' }), /swagger\.json: .*not an OpenAPI v3 document/],
      [
        'other.json',
        JSON.stringify({ openapi: '3.0.0', paths: {}, components: { schemas: {} } }),
        /other\.json: .*not the events\.k8s\.io\/v1 spec/,
      ],
    ])('%s', async (name, content, message) => {
      const file = join(work, name === 'missing' ? 'missing.json' : name);
      if (content !== null) writeFileSync(file, content);
      const error = await generate(file, out).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SpecFileError);
      expect((error as Error).message).toMatch(message);
      expect(readFileSync(join(out, 'keep.ts'), 'utf8')).toBe('export const keep = 1;\n');
    });

    it('an unreadable file', async () => {
      const error = await generate(work, out).catch((e: unknown) => e);
      expect((error as Error).message).toMatch(/cannot read \(EISDIR\)/);
    });
  });
});
