/**
 * Builds the client-go and kube-rs peers from registry sources into the cache folder (never into
 * the repository), with visible progress, and says what to install when Go or cargo is missing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GO_PACKAGE_LINE } from '../../tools/harness/build.ts';
import { lineSplitter } from '../../tools/harness/lines.ts';
import { cacheRoot } from '../../tools/harness/paths.ts';
import type { PeerName } from './contract.ts';
import type { PeerCommand } from './run-peer.ts';

const PEERS_DIR = fileURLToPath(new URL('.', import.meta.url));

/** A toolchain a peer needs is missing: the message says what to install and how to skip the peer. */
export class MissingToolchainError extends Error {
  override name = 'MissingToolchainError';
}

function toolVersion(command: string, args: string[]): string | undefined {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error !== undefined || result.status !== 0) return undefined;
  return result.stdout.trim();
}

export function goToolchain(): string {
  const version = toolVersion('go', ['env', 'GOVERSION']);
  if (version === undefined) {
    throw new MissingToolchainError(
      'the client-go peer (and the test apiserver) are built with Go ≥ 1.26, and `go` is not on PATH: install Go (https://go.dev/dl/ or your package manager) and run again',
    );
  }
  return version;
}

export function cargoToolchain(): string {
  const version = toolVersion('cargo', ['--version']);
  if (version === undefined) {
    throw new MissingToolchainError(
      'the kube-rs peer is built with cargo, and `cargo` is not on PATH: install Rust with rustup (https://rustup.rs) and run again, or leave it out: npm run bench:peers -- --peers kube-events,client-go',
    );
  }
  return version.replace(/^cargo /, '');
}

/** Runs a build, printing a progress line now and then from the lines `isUnit` recognizes. */
function runWithProgress(
  label: string,
  command: string,
  args: string[],
  options: {
    cwd: string;
    env: NodeJS.ProcessEnv;
    isUnit: (line: string) => string | undefined;
    log: (line: string) => void;
  },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let units = 0;
    let lastReport = started;
    const other: string[] = [];
    const output = lineSplitter((line) => {
      const unit = options.isUnit(line);
      if (unit === undefined) {
        if (line.trim() !== '') other.push(line);
        if (other.length > 60) other.shift();
        return;
      }
      units += 1;
      if (Date.now() - lastReport >= 10_000) {
        lastReport = Date.now();
        options.log(`  ${label}: ${units} compiled, now ${unit} (${Math.round((Date.now() - started) / 1000)} s)`);
      }
    });
    child.stdout.setEncoding('utf8').on('data', output.push);
    child.stderr.setEncoding('utf8').on('data', output.push);
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) {
        options.log(`  ${label}: built in ${Math.round((Date.now() - started) / 1000)} s`);
        resolve();
      } else {
        reject(
          new Error(`building ${label} failed (exit ${code ?? 'signal'}):\n${[...other, output.rest()].join('\n')}`),
        );
      }
    });
  });
}

async function buildClientGo(log: (line: string) => void): Promise<PeerCommand> {
  const go = goToolchain();
  const dir = join(PEERS_DIR, 'client-go');
  const hash = createHash('sha256').update(go);
  for (const file of readdirSync(dir)
    .filter((name) => /\.go$|^go\.(mod|sum)$/.test(name))
    .sort()) {
    hash.update(file).update(readFileSync(join(dir, file)));
  }
  const outDir = join(cacheRoot(), 'peers', `client-go-${hash.digest('hex').slice(0, 16)}`);
  const binary = join(outDir, 'client-go-peer');
  if (!existsSync(binary)) {
    log(`building the client-go peer with ${go} into ${outDir}`);
    const staging = `${outDir}.partial-${process.pid}`;
    mkdirSync(staging, { recursive: true });
    try {
      await runWithProgress('client-go peer', 'go', ['build', '-v', '-o', join(staging, 'client-go-peer'), '.'], {
        cwd: dir,
        env: { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOFLAGS: '-mod=readonly' },
        isUnit: (line) => (GO_PACKAGE_LINE.test(line) ? line : undefined),
        log,
      });
      rmSync(outDir, { recursive: true, force: true });
      renameSync(staging, outDir);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  return { name: 'client-go', command: binary, args: [] };
}

async function buildKubeRs(log: (line: string) => void): Promise<PeerCommand> {
  const cargo = cargoToolchain();
  const dir = join(PEERS_DIR, 'kube-rs');
  const targetDir = join(cacheRoot(), 'peers', 'kube-rs-target');
  log(`building the kube-rs peer with cargo ${cargo} into ${targetDir} (first time: a few minutes)`);
  // cargo knows what is up to date; a second run only checks.
  await runWithProgress('kube-rs peer', 'cargo', ['build', '--release', '--locked', '--target-dir', targetDir], {
    cwd: dir,
    env: process.env,
    isUnit: (line) => /^\s*Compiling (\S+ \S+)/.exec(line)?.[1],
    log,
  });
  return { name: 'kube-rs', command: join(targetDir, 'release', 'kube-events-bench-peer-kube-rs'), args: [] };
}

const PEER_BUILD_PREFIX = 'kube-events-peer-';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes compiled peers whose building process has ended (their name carries its pid). */
export function removeEndedBuilds(cache: string): void {
  for (const entry of readdirSync(cache)) {
    if (!entry.startsWith(PEER_BUILD_PREFIX)) continue;
    const pid = /^(\d+)-/.exec(entry.slice(PEER_BUILD_PREFIX.length))?.[1];
    // Folders from before the pid was part of the name have no owner left either.
    if (pid === undefined || !processAlive(Number(pid))) rmSync(join(cache, entry), { recursive: true, force: true });
  }
}

/**
 * The kube-events peer, compiled to JavaScript by tsc (bench/peers/kube-events/tsconfig.json), as a
 * user runs a controller: from its .ts source Node would also load its TypeScript stripper, which
 * adds about 17 MiB of resident memory and the compile time to every figure of the peer.
 */
async function buildKubeEventsPeer(log: (line: string) => void): Promise<PeerCommand> {
  const tsconfig = join(PEERS_DIR, 'kube-events', 'tsconfig.json');
  const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
  // One folder per build, inside node_modules so that the compiled peer resolves ky, undici and yaml;
  // removed when this process exits (test files building at once never share one). Vitest's worker
  // threads end without an 'exit' event, so each build also removes the folders of ended processes.
  const cache = fileURLToPath(new URL('../../node_modules/.cache/', import.meta.url));
  mkdirSync(cache, { recursive: true });
  removeEndedBuilds(cache);
  const outDir = mkdtempSync(join(cache, `${PEER_BUILD_PREFIX}${process.pid}-`));
  process.once('exit', () => rmSync(outDir, { recursive: true, force: true }));
  await runWithProgress('kube-events peer', process.execPath, [tsc, '-p', tsconfig, '--outDir', outDir], {
    cwd: PEERS_DIR,
    env: process.env,
    isUnit: () => undefined,
    log,
  });
  return {
    name: 'kube-events',
    command: process.execPath,
    args: [join(outDir, 'bench', 'peers', 'kube-events', 'peer.js')],
  };
}

/** Every requested peer's command, building what is missing; checks every toolchain before building anything. */
export async function ensurePeers(names: readonly PeerName[], log: (line: string) => void): Promise<PeerCommand[]> {
  if (names.includes('client-go')) goToolchain();
  if (names.includes('kube-rs')) cargoToolchain();
  const commands: PeerCommand[] = [];
  for (const name of names) {
    if (name === 'kube-events') commands.push(await buildKubeEventsPeer(log));
    else if (name === 'client-go') commands.push(await buildClientGo(log));
    else commands.push(await buildKubeRs(log));
  }
  return commands;
}

/** The toolchains behind the peers, for the report. */
export function toolchainVersions(names: readonly PeerName[]): Record<string, string> {
  const versions: Record<string, string> = { node: process.version };
  if (names.includes('client-go')) versions.go = goToolchain().replace(/^go/, '');
  if (names.includes('kube-rs')) {
    versions.rustc =
      (toolVersion('rustc', ['--version']) ?? 'unknown').replace(/^rustc /, '').split(' ')[0] ?? 'unknown';
  }
  return versions;
}
