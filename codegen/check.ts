/**
 * codegen:check — src/generated must be exactly what the generator makes from the newest spec,
 * and every version in openapi/ must have its core/v1 Event slice and generate a client that type-checks.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { generate, REPOSITORY_OUTPUT } from './generate.ts';
import {
  CORE_SPEC_FILE_NAME,
  coreSpecBeside,
  GENERATED_DIR,
  listVersions,
  newestVersion,
  OPENAPI_DIR,
  REPO_ROOT,
  specPathForVersion,
} from './spec-files.ts';

const CHECK_CACHE_DIR = join(REPO_ROOT, '.cache', 'codegen-check');

export interface Drift {
  added: string[];
  removed: string[];
  changed: string[];
}

function listFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { recursive: true, withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** Byte comparison of two folders: files only in `expected` are "removed" from `actual`. */
export function compareDirs(expected: string, actual: string): Drift {
  const want = new Set(listFiles(expected));
  const have = new Set(listFiles(actual));
  const drift: Drift = { added: [], removed: [], changed: [] };
  for (const file of have) if (!want.has(file)) drift.added.push(file);
  for (const file of want) {
    if (!have.has(file)) drift.removed.push(file);
    else if (!readFileSync(join(expected, file)).equals(readFileSync(join(actual, file)))) drift.changed.push(file);
  }
  return drift;
}

export function hasDrift(drift: Drift): boolean {
  return drift.added.length + drift.removed.length + drift.changed.length > 0;
}

export function formatDrift(drift: Drift, dirLabel: string): string {
  const lines = [`${dirLabel} differs from what npm run codegen generates:`];
  for (const file of drift.changed) lines.push(`  changed  ${file}`);
  for (const file of drift.removed) lines.push(`  missing  ${file}`);
  for (const file of drift.added) lines.push(`  extra    ${file}`);
  lines.push('Run `npm run codegen` and commit the result; never edit generated files by hand.');
  return lines.join('\n');
}

/** Type-checks a generated folder on its own with the project's compiler options. */
export function typeCheckGenerated(dir: string): void {
  const tsconfig = join(dir, '..', 'tsconfig.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(REPO_ROOT, 'tsconfig.json'),
      include: [join(dir, '**/*.ts')],
      compilerOptions: { noEmit: true, rootDir: dir },
    }),
  );
  execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', tsconfig], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
}

export interface CheckOptions {
  generatedDir?: string;
  openapiDir?: string;
  /** Type-check each version's output (the slow part). @default true */
  typeCheck?: boolean;
  log?: (line: string) => void;
}

/** Returns the problems found (empty when all is well). */
export async function check({
  generatedDir = GENERATED_DIR,
  openapiDir = OPENAPI_DIR,
  typeCheck = true,
  log = () => {},
}: CheckOptions = {}): Promise<string[]> {
  const problems: string[] = [];
  // Inside the repo (ignored .cache/) so that the generated files resolve ky and see "type": "module".
  mkdirSync(CHECK_CACHE_DIR, { recursive: true });
  const workDir = mkdtempSync(join(CHECK_CACHE_DIR, 'run-'));
  try {
    const newest = newestVersion(openapiDir);
    for (const version of listVersions(openapiDir)) {
      // Without the core/v1 slice the client would lack coreEvents (legacyFields) for this version.
      if (coreSpecBeside(specPathForVersion(version, openapiDir)) === undefined) {
        problems.push(
          `${version}: openapi/${version}/${CORE_SPEC_FILE_NAME} is missing: run npm run spec:pull against a ${version} apiserver`,
        );
      }
      const outDir = join(workDir, version, 'generated');
      mkdirSync(join(workDir, version), { recursive: true });
      const result = await generate(specPathForVersion(version, openapiDir), outDir, REPOSITORY_OUTPUT);
      log(`${version}: generated in ${Math.round(result.milliseconds)} ms`);
      if (version === newest) {
        const drift = compareDirs(outDir, generatedDir);
        if (hasDrift(drift)) problems.push(formatDrift(drift, relative(process.cwd(), generatedDir) || generatedDir));
        else log(`${version}: src/generated is up to date`);
      }
      if (!typeCheck) continue;
      try {
        typeCheckGenerated(outDir);
        log(`${version}: type-checks`);
      } catch (error) {
        const output = error as { stdout?: string; stderr?: string };
        problems.push(
          `${version}: the generated client does not type-check:\n${output.stdout ?? ''}${output.stderr ?? ''}`,
        );
      }
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  return problems;
}
