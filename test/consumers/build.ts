/**
 * Builds the consumer programs under test/consumers/ (Go, outside the npm package) once per
 * (sources, Go version) into the cache folder, like the apiserver harness, printing progress while
 * Go downloads and compiles. Without Go: one line saying what to install.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runWithGoProgress } from '../../tools/harness/go-progress.ts';
import { cacheRoot } from '../../tools/harness/paths.ts';

export const CONSUMERS_DIR = dirname(fileURLToPath(import.meta.url));

/** Go is missing: says what to install. */
export class ConsumerToolchainError extends Error {
  override name = 'ConsumerToolchainError';
}

function goVersion(consumer: string): string {
  const result = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
  if (result.error !== undefined || result.status !== 0) {
    throw new ConsumerToolchainError(
      `the ${consumer} consumer test builds a Go program (the OpenTelemetry Collector receiver) and needs Go ≥ 1.24 on PATH: install it (https://go.dev/dl/ or your package manager) and run again`,
    );
  }
  return result.stdout.trim();
}

/** A key over the consumer's sources and the Go version: a change of either rebuilds. */
function buildKey(dir: string, go: string): string {
  const hash = createHash('sha256').update(`${go}\n`);
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.go') || f === 'go.mod' || f === 'go.sum')
    .sort()) {
    hash.update(file).update(readFileSync(join(dir, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

function runGoBuild(dir: string, out: string, log: (line: string) => void): Promise<void> {
  return runWithGoProgress({
    command: 'go',
    args: ['build', '-v', '-trimpath', '-ldflags', '-s -w', '-o', out, '.'],
    cwd: dir,
    env: { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOFLAGS: '-mod=mod' },
    log,
    every: 100,
    // Module downloads are the slow part of a first build: show them.
    echo: (line) => line.startsWith('go: downloading'),
    what: `go build in ${dir}`,
  });
}

/**
 * The cached binary of the consumer in test/consumers/<name>/, building it first when needed.
 * @throws ConsumerToolchainError when Go is missing
 */
export async function ensureConsumer(name: string, options: { log?: (line: string) => void } = {}): Promise<string> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[consumers] ${line}\n`));
  const dir = resolve(CONSUMERS_DIR, name);
  const key = buildKey(dir, goVersion(name));
  const binDir = join(cacheRoot(), 'consumers', `${name}-${key}`);
  const binary = join(binDir, name);
  if (existsSync(binary)) return binary;
  log(`building ${name} (Go, cached in ${binDir}; first time: a few minutes)`);
  // Built beside the final folder and renamed, so an interrupted build is never taken for a finished one.
  const partial = `${binDir}.partial-${process.pid}`;
  mkdirSync(partial, { recursive: true });
  try {
    await runGoBuild(dir, join(partial, name), log);
    rmSync(binDir, { recursive: true, force: true });
    renameSync(partial, binDir);
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  return binary;
}
