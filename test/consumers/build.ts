/**
 * Builds the consumer programs under test/consumers/ (Go, outside the npm package) once per
 * (sources, Go version) into the cache folder, like the apiserver harness, printing progress while
 * Go downloads and compiles. Without Go: one line saying what to install.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GO_PACKAGE_LINE } from '../../tools/harness/build.ts';
import { lineSplitter } from '../../tools/harness/lines.ts';
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
  return new Promise((resolvePromise, reject) => {
    const started = Date.now();
    const child = spawn('go', ['build', '-v', '-trimpath', '-ldflags', '-s -w', '-o', out, '.'], {
      cwd: dir,
      env: { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOFLAGS: '-mod=mod' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let packages = 0;
    const other: string[] = [];
    const stderr = lineSplitter((line) => {
      if (GO_PACKAGE_LINE.test(line)) {
        packages += 1;
        if (packages % 100 === 0)
          log(`  compiled ${packages} packages (${Math.round((Date.now() - started) / 1000)} s)`);
      } else if (line.trim() !== '') {
        other.push(line);
        // Module downloads are the slow part of a first build: show them.
        if (line.startsWith('go: downloading')) log(`  ${line}`);
      }
    });
    child.stderr.setEncoding('utf8').on('data', stderr.push);
    child.stdout.resume();
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) {
        log(`  built in ${Math.round((Date.now() - started) / 1000)} s (${packages} packages compiled)`);
        resolvePromise();
      } else {
        const output = [...other, stderr.rest()].join('\n');
        reject(new Error(`go build in ${dir} failed (exit ${code ?? 'signal'}):\n${output}`));
      }
    });
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
