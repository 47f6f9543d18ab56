/** `-f manifest.yaml|json`: the object an Event is about, from the first document of a file. */
import { readFile } from 'node:fs/promises';
import { text as readText } from 'node:stream/consumers';
import { parseAllDocuments } from 'yaml';
import { KubeEventsError } from '../errors.ts';
import type { ObjectReference } from '../types.ts';
import { isNamespaced } from './kinds.ts';

/** A manifest that cannot be read, or is not a Kubernetes object: a runtime failure (exit 1). */
export class ManifestError extends KubeEventsError {
  override name = 'ManifestError';
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * The reference to the object of the first YAML or JSON document in `content` (JSON is YAML).
 * Namespaced objects without `metadata.namespace` get `namespace`; `metadata.uid` is kept, so
 * that `kubectl describe` finds the Event when the manifest comes from `kubectl get -o yaml`.
 * @throws ManifestError naming the file and what is missing
 */
export function manifestRef(
  content: string,
  options: { file: string; namespace: string; clusterScoped?: boolean | undefined },
): ObjectReference {
  const [first] = parseAllDocuments(content);
  if (first === undefined || !('contents' in first)) throw new ManifestError(`${options.file}: no document found`);
  const problem = first.errors[0];
  if (problem !== undefined) {
    throw new ManifestError(`${options.file}: not YAML or JSON: ${problem.message.split('\n')[0] ?? ''}`);
  }
  const object: unknown = first.toJS();
  const { apiVersion, kind, metadata } = (typeof object === 'object' && object !== null ? object : {}) as {
    apiVersion?: unknown;
    kind?: unknown;
    metadata?: { name?: unknown; namespace?: unknown; uid?: unknown } | null;
  };
  const name = text(metadata?.name);
  if (text(apiVersion) === undefined || text(kind) === undefined || name === undefined) {
    throw new ManifestError(
      `${options.file}: not a Kubernetes object (the first document needs apiVersion, kind and metadata.name)`,
    );
  }
  const kindName = kind as string;
  const namespaced = options.clusterScoped !== true && isNamespaced(kindName);
  const uid = text(metadata?.uid);
  return {
    apiVersion: apiVersion as string,
    kind: kindName,
    ...(namespaced ? { namespace: text(metadata?.namespace) ?? options.namespace } : {}),
    name,
    ...(uid !== undefined ? { uid } : {}),
  };
}

/** Reads `file` (`-`: standard input, as kubectl's `-f -`) and returns {@link manifestRef} of its first document. */
export async function readManifest(
  file: string,
  options: { namespace: string; clusterScoped?: boolean | undefined; stdin?: NodeJS.ReadableStream | undefined },
): Promise<ObjectReference> {
  let content: string;
  try {
    content = file === '-' ? await readText(options.stdin ?? process.stdin) : await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new ManifestError(`${file}: cannot read (${typeof code === 'string' ? code : String(error)})`, {
      cause: error,
    });
  }
  return manifestRef(content, { file: file === '-' ? '<stdin>' : file, ...options });
}
