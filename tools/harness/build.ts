/**
 * Builds the test apiserver and kubectl once per (Kubernetes version, harness sources, Go
 * version) into the cache folder, and reuses them. Progress is printed while Go compiles.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runWithGoProgress } from './go-progress.ts';
import { cacheRoot, DEFAULT_K8S_VERSION, HARNESS_MODULE_DIR } from './paths.ts';

export { GO_PACKAGE_LINE } from './go-progress.ts';

export interface HarnessBinaries {
  version: string;
  apiserver: string;
  kubectl: string;
  /** True when the binaries came from the cache. */
  cached: boolean;
}

/** Go is missing or too old: says what to install. */
export class GoToolchainError extends Error {
  override name = 'GoToolchainError';
}

const MIN_GO = [1, 26] as const;
const GO_ENV = { GOTOOLCHAIN: 'local', CGO_ENABLED: '0' };

export function goVersion(): string {
  const result = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
  if (result.error !== undefined || result.status !== 0) {
    throw new GoToolchainError(
      'the integration tests build a real kube-apiserver from Go modules and need Go ≥ 1.26 on PATH: install it (e.g. from https://go.dev/dl/ or your package manager) and run again',
    );
  }
  const version = result.stdout.trim();
  const match = /^go(\d+)\.(\d+)/.exec(version);
  const major = Number(match?.[1] ?? 0);
  const minor = Number(match?.[2] ?? 0);
  if (major < MIN_GO[0] || (major === MIN_GO[0] && minor < MIN_GO[1])) {
    throw new GoToolchainError(
      `found ${version}; the test apiserver (k8s.io/kubernetes v1.37) needs Go ≥ 1.26: install a newer Go and run again`,
    );
  }
  return version;
}

function moduleDirFor(version: string, log: (line: string) => void): string {
  if (version === DEFAULT_K8S_VERSION) return HARNESS_MODULE_DIR;
  const dir = join(cacheRoot(), 'modules', version);
  if (!existsSync(join(dir, 'go.sum'))) {
    log(`deriving go.mod for k8s.io/kubernetes ${version} in ${dir}`);
    const result = spawnSync(join(HARNESS_MODULE_DIR, 'derive-gomod.sh'), [version, dir], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, ...GO_ENV },
    });
    if (result.status !== 0) throw new Error(`derive-gomod.sh ${version} failed (exit ${result.status ?? 'signal'})`);
  }
  return dir;
}

/** A key over everything that changes the binaries. */
function buildKey(moduleDir: string, version: string, go: string): string {
  const hash = createHash('sha256').update(`${version}\n${go}\n`);
  const files = readdirSync(HARNESS_MODULE_DIR)
    .filter((f) => f.endsWith('.go') || f === 'build.sh')
    .sort();
  for (const file of files) hash.update(file).update(readFileSync(join(HARNESS_MODULE_DIR, file)));
  for (const file of ['go.mod', 'go.sum']) hash.update(file).update(readFileSync(join(moduleDir, file)));
  return hash.digest('hex').slice(0, 16);
}

/** Runs build.sh with `go build -v`, printing a progress line every 200 packages and on the end. */
function runBuild(binDir: string, moduleDir: string, log: (line: string) => void): Promise<void> {
  return runWithGoProgress({
    command: 'sh',
    args: [join(HARNESS_MODULE_DIR, 'build.sh'), binDir, moduleDir],
    env: { ...process.env, ...GO_ENV, KUBE_EVENTS_GO_BUILD_FLAGS: '-v' },
    log,
    every: 200,
    echo: (line) => line.startsWith('build.sh:'),
    what: 'building the test apiserver',
  });
}

/** The cached binaries for `version`, building them first when needed. */
export async function ensureHarness(
  options: { version?: string; log?: (line: string) => void } = {},
): Promise<HarnessBinaries> {
  const version = options.version ?? DEFAULT_K8S_VERSION;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const go = goVersion();
  const moduleDir = moduleDirFor(version, log);
  const dir = join(cacheRoot(), 'apiserver', `${version}-${buildKey(moduleDir, version, go)}`);
  const binaries = { version, apiserver: join(dir, 'kube-events-apiserver'), kubectl: join(dir, 'kubectl') };
  if (existsSync(binaries.apiserver) && existsSync(binaries.kubectl)) return { ...binaries, cached: true };
  log(
    `building kube-apiserver ${version} and kubectl with ${go} into ${dir} (first time: several minutes; later runs reuse it)`,
  );
  const staging = `${dir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    await runBuild(staging, moduleDir, log);
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return { ...binaries, cached: false };
}
