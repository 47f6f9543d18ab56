/**
 * The openapi/ folder: one folder per Kubernetes version, each holding the events.k8s.io/v1
 * document exactly as a kube-apiserver served it, the Event slice of its core/v1 document (see
 * core-spec.ts) and a source.json describing where both came from.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const OPENAPI_DIR = join(REPO_ROOT, 'openapi');
export const GENERATED_DIR = join(REPO_ROOT, 'src', 'generated');
export const SPEC_FILE_NAME = 'events.k8s.io-v1.json';
export const SOURCE_FILE_NAME = 'source.json';
/** The path the apiserver serves the document at (OpenAPI v3 discovery, per group/version). */
export const SPEC_URL_PATH = '/openapi/v3/apis/events.k8s.io/v1';
/** The core/v1 Event operations and the schemas they reach, cut from {@link CORE_SPEC_URL_PATH}. */
export const CORE_SPEC_FILE_NAME = 'core-v1-events.json';
export const CORE_SPEC_URL_PATH = '/openapi/v3/api/v1';

/** What openapi/<version>/source.json records about a pulled document. */
export interface SpecSource {
  /** `gitVersion` from the server's `/version`, e.g. `v1.37.2`. */
  gitVersion: string;
  /** Where the document was read: the server URL and path, or a description of the origin. */
  pulledFrom: string;
  /** When it was pulled, ISO 8601. */
  pulledAt: string;
  /** sha256 of the document's bytes, hex. */
  sha256: string;
  /** The document's file name beside source.json. */
  file: string;
  /** The core/v1 slice: where its document was read, the sha256 of the served bytes, the file. */
  core?: { pulledFrom: string; servedSha256: string; file: string };
}

/** A spec file that is missing, unreadable or not the events.k8s.io/v1 OpenAPI v3 document. */
export class SpecFileError extends Error {
  override name = 'SpecFileError';
  readonly file: string;
  constructor(file: string, problem: string, options?: ErrorOptions) {
    super(`${displayPath(file)}: ${problem}`, options);
    this.file = file;
  }
}

export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

export function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const VERSION_PATTERN = /^v(\d+)\.(\d+)\.(\d+)$/;

/** Orders `v1.34.4` < `v1.37.2` numerically; `undefined` for names that are not versions. */
export function parseVersion(name: string): [number, number, number] | undefined {
  const match = VERSION_PATTERN.exec(name);
  if (match === null) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a) ?? [0, 0, 0];
  const pb = parseVersion(b) ?? [0, 0, 0];
  return pa[0] - pb[0] || pa[1] - pb[1] || pa[2] - pb[2];
}

/** Kubernetes versions present in openapi/, oldest first. */
export function listVersions(openapiDir: string = OPENAPI_DIR): string[] {
  let names: string[];
  try {
    names = readdirSync(openapiDir);
  } catch (error) {
    throw new SpecFileError(openapiDir, 'cannot list the folder', { cause: error });
  }
  return names
    .filter((name) => parseVersion(name) !== undefined && statSync(join(openapiDir, name)).isDirectory())
    .sort(compareVersions);
}

export function newestVersion(openapiDir: string = OPENAPI_DIR): string {
  const newest = listVersions(openapiDir).at(-1);
  if (newest === undefined) {
    throw new SpecFileError(openapiDir, 'holds no version folder (v<major>.<minor>.<patch>): run npm run spec:pull');
  }
  return newest;
}

export function specPathForVersion(version: string, openapiDir: string = OPENAPI_DIR): string {
  if (parseVersion(version) === undefined) {
    throw new SpecFileError(join(openapiDir, version), `"${version}" is not a Kubernetes version like v1.37.2`);
  }
  return join(openapiDir, version, SPEC_FILE_NAME);
}

/** The core/v1 Event slice beside a spec file, when there is one. */
export function coreSpecBeside(specFile: string): string | undefined {
  const file = join(dirname(specFile), CORE_SPEC_FILE_NAME);
  return existsSync(file) ? file : undefined;
}

export interface LoadedSpec {
  file: string;
  bytes: Buffer;
  document: unknown;
  sha256: string;
}

/** Reads and parses a spec file; every failure names the file. */
export function loadSpec(file: string): LoadedSpec {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem = code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(error)})`;
    throw new SpecFileError(file, problem, { cause: error });
  }
  let document: unknown;
  try {
    document = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new SpecFileError(file, `not valid JSON (${(error as Error).message})`, { cause: error });
  }
  return { file, bytes, document, sha256: sha256(bytes) };
}

/** The version folder a spec file sits in, or its file name when it is outside openapi/. */
export function describeSpec(file: string): string {
  const folder = basename(dirname(file));
  const name = basename(file);
  return parseVersion(folder) !== undefined && (name === SPEC_FILE_NAME || name === CORE_SPEC_FILE_NAME)
    ? `openapi/${folder}/${name}`
    : name;
}
