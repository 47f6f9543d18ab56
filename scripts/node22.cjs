#!/usr/bin/env node
/**
 * Runs a command on Node >= 22.18, whatever `node` is first on PATH.
 *
 * The project's scripts run TypeScript files directly (type stripping is on by default from Node
 * 22.18), and hey-api, ky 2 and vitest 5 need Node 22 too. A fresh machine often has an older
 * `node`, and `npm ci` works there, so the npm scripts go through this launcher: it uses the
 * current node when it is new enough, else a Node >= 22.18 already on the machine (on PATH or in the
 * cache), else it installs the npm registry's `node@24` package (which ships the real binary) once
 * into the cache, and says so in one line on stderr.
 *
 * Plain CommonJS with no dependencies, so that Node 18 and 20 can run it.
 *
 *   node scripts/node22.cjs <file.ts|file.js> [args…]   run a script with that node
 *   node scripts/node22.cjs <command> [args…]           run a command (e.g. vitest) with that node first on PATH
 *   node scripts/node22.cjs --bin-dir <major>           print the bin folder of a Node <major> (found or installed)
 *
 * Cache: $KUBE_EVENTS_CACHE_DIR, else ~/.cache/kube-events (node<major>/node_modules/.bin/node).
 */
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { homedir } = require('node:os');
const { delimiter, dirname, extname, join, resolve } = require('node:path');

/** The oldest Node that runs the project: type stripping on by default (22.18). */
const REQUIRED = { major: 22, minor: 18, patch: 0 };
/** The major installed when no Node is new enough: the one the project is developed on. */
const INSTALL_MAJOR = 24;
const SCRIPT_EXTENSIONS = new Set(['.ts', '.mts', '.js', '.mjs', '.cjs']);

/** `v22.18.1` → { major: 22, minor: 18, patch: 1 }; undefined when it is not a version. */
function parseVersion(text) {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(String(text).trim());
  if (match === null) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) };
}

function atLeast(version, wanted) {
  if (version.major !== wanted.major) return version.major > wanted.major;
  if (version.minor !== wanted.minor) return version.minor > wanted.minor;
  return version.patch >= wanted.patch;
}

const show = (v) => `v${v.major}.${v.minor}.${v.patch}`;
const requiredText = `${REQUIRED.major}.${REQUIRED.minor}`;

/**
 * What to run with, decided from facts only (pure, unit-tested):
 * - `current`: the version of the node running this launcher;
 * - `candidates`: other nodes found on the machine, `{ path, version }`, in order of preference;
 * - `major`: when set, a node of exactly that major is wanted (CI's --bin-dir), else any >= 22.18.
 * Returns `{ kind: 'current' }`, `{ kind: 'found', path, version }` or `{ kind: 'install', major }`.
 */
function decide({ current, candidates, major }) {
  const fits = (version) =>
    version !== undefined && (major !== undefined ? version.major === major : atLeast(version, REQUIRED));
  if (fits(current)) return { kind: 'current' };
  // Prefer the newest fitting candidate: a cached Node 24 over an older 22 found on PATH.
  let best;
  for (const candidate of candidates) {
    if (!fits(candidate.version)) continue;
    if (best === undefined || !atLeast(best.version, candidate.version)) best = candidate;
  }
  if (best !== undefined) return { kind: 'found', path: best.path, version: best.version };
  return { kind: 'install', major: major !== undefined ? major : INSTALL_MAJOR };
}

/** The line printed when no fitting Node exists and none could be installed. */
function cannotMessage({ current, major, cacheDir, problem }) {
  const wanted = major !== undefined ? `Node ${major}` : `Node >= ${requiredText}`;
  const dir = join(cacheDir, `node${major !== undefined ? major : INSTALL_MAJOR}`);
  return (
    `kube-events needs ${wanted} (this node is ${current !== undefined ? show(current) : 'unknown'}) and could not ` +
    `install one (${problem}): install Node ${major !== undefined ? major : INSTALL_MAJOR} from https://nodejs.org, ` +
    `or run: npm install --prefix ${dir} node@${major !== undefined ? major : INSTALL_MAJOR}`
  );
}

function cacheDirOf(env) {
  return env.KUBE_EVENTS_CACHE_DIR !== undefined && env.KUBE_EVENTS_CACHE_DIR !== ''
    ? resolve(env.KUBE_EVENTS_CACHE_DIR)
    : join(homedir(), '.cache', 'kube-events');
}

function versionOf(nodePath) {
  const result = spawnSync(nodePath, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return result.status === 0 ? parseVersion(result.stdout) : undefined;
}

function isFile(path) {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Nodes in the cache (node<major>/node_modules/.bin/node), then every other `node` on PATH. */
function findCandidates(env, cacheDir) {
  const paths = [];
  let entries;
  try {
    entries = readdirSync(cacheDir);
  } catch {
    entries = [];
  }
  for (const name of entries) {
    if (/^node\d+$/.test(name)) paths.push(join(cacheDir, name, 'node_modules', '.bin', 'node'));
  }
  for (const dir of (env.PATH || '').split(delimiter)) if (dir !== '') paths.push(join(dir, 'node'));
  const seen = new Set([process.execPath]);
  const candidates = [];
  for (const path of paths) {
    if (seen.has(path) || !isFile(path)) continue;
    seen.add(path);
    const version = versionOf(path);
    if (version !== undefined) candidates.push({ path, version });
  }
  return candidates;
}

/** `npm install --prefix <cache>/node<major> node@<major>`; the path of its node, or a problem. */
function install(major, cacheDir, env) {
  const dir = join(cacheDir, `node${major}`);
  process.stderr.write(`node22: installing node@${major} from the npm registry into ${dir} (once)\n`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', `node@${major}`], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const nodePath = join(dir, 'node_modules', '.bin', 'node');
  if (result.status === 0 && versionOf(nodePath) !== undefined) return { path: nodePath };
  return { problem: npmProblem(String(result.stderr || (result.error && result.error.message) || '')) };
}

/** The line of npm's error output that says what went wrong (not its code, stack or log path). */
function npmProblem(stderr) {
  const lines = stderr
    .split('\n')
    .map((line) => line.replace(/^npm (error|ERR!)\s?/, '').trim())
    .filter((line) => line !== '' && !/^(code|syscall|errno|at) |^A complete log|^Log files/.test(line));
  return lines[0] !== undefined ? lines[0] : 'npm failed';
}

/** A node of the wanted kind: its path (process.execPath for the current one). Exits when there is none. */
function resolveNode(env, major) {
  const current = parseVersion(process.version);
  const cacheDir = cacheDirOf(env);
  const decision = decide({ current, candidates: findCandidates(env, cacheDir), major });
  if (decision.kind === 'current') return process.execPath;
  const why = major !== undefined ? `Node ${major} is wanted` : `node ${process.version} is older than ${requiredText}`;
  if (decision.kind === 'found') {
    process.stderr.write(`node22: ${why}: using ${decision.path} (${show(decision.version)})\n`);
    return decision.path;
  }
  const installed = install(decision.major, cacheDir, env);
  if (installed.path === undefined) {
    process.stderr.write(`${cannotMessage({ current, major, cacheDir, problem: installed.problem })}\n`);
    process.exit(1);
  }
  process.stderr.write(`node22: ${why}: using ${installed.path} (${show(versionOf(installed.path))})\n`);
  return installed.path;
}

/** The executable `command` names on PATH (npm scripts put node_modules/.bin there). */
function onPath(command, env) {
  if (command.includes('/')) return command;
  for (const dir of (env.PATH || '').split(delimiter)) {
    const candidate = join(dir, command);
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  return command;
}

function run(argv, env) {
  const [first, ...rest] = argv;
  if (first === undefined) {
    process.stderr.write('usage: node scripts/node22.cjs <script|command|--bin-dir MAJOR> [args…]\n');
    process.exit(2);
  }
  if (first === '--bin-dir') {
    const major = Number(rest[0]);
    if (!Number.isInteger(major) || major <= 0) {
      process.stderr.write('usage: node scripts/node22.cjs --bin-dir <major>\n');
      process.exit(2);
    }
    process.stdout.write(`${dirname(resolveNode(env, major))}\n`);
    return;
  }
  const node = resolveNode(env, undefined);
  // The chosen node first on PATH: commands with a `#!/usr/bin/env node` line, and anything they
  // start with `node`, use it too.
  const childEnv = { ...env, PATH: `${dirname(node)}${delimiter}${env.PATH || ''}` };
  const isScript = SCRIPT_EXTENSIONS.has(extname(first)) && isFile(first);
  const child = isScript
    ? spawn(node, [first, ...rest], { stdio: 'inherit', env: childEnv })
    : spawn(onPath(first, childEnv), rest, { stdio: 'inherit', env: childEnv });
  // Ctrl-C reaches the child through the terminal's process group; a SIGTERM sent to us alone is passed on.
  const forward = (signal) => child.kill(signal);
  const ignore = () => undefined;
  process.on('SIGTERM', forward);
  process.on('SIGINT', ignore);
  child.on('error', (error) => {
    process.stderr.write(`node22: cannot run ${first}: ${error.message}\n`);
    process.exit(127);
  });
  child.on('exit', (code, signal) => {
    if (signal !== null) {
      // End the same way, so that the caller (npm, a shell) sees the signal.
      process.removeListener('SIGTERM', forward);
      process.removeListener('SIGINT', ignore);
      process.kill(process.pid, signal);
      return;
    }
    process.exit(code === null ? 1 : code);
  });
}

module.exports = { REQUIRED, INSTALL_MAJOR, parseVersion, atLeast, decide, cannotMessage, npmProblem };

if (require.main === module) run(process.argv.slice(2), process.env);
