/**
 * PEM content from kubeconfig data fields and files, checked for a PEM block so that a wrong file
 * fails at load with the field's name instead of as an opaque TLS error on the first request.
 * Messages never include the content.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.ts';
import type { PemRef } from './resolve.ts';

const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----/;
const BASE64 = /^[A-Za-z0-9+/=\s]*$/;

export const hasPemBlock = (content: Buffer): boolean => PEM_BLOCK.test(content.toString('latin1'));

/** Why a file could not be read, from its error code; never the content. */
export function readProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory, not a file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return code ?? (error instanceof Error ? error.message : 'unknown error');
}

/** Reads a file; a failure is a ConfigError naming the field and the file. */
export async function readFileFor(file: string, ref: { source: string; field: string }): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new ConfigError(ref.source, ref.field, `cannot read ${file}: ${readProblem(error)}`, { cause: error });
  }
}

/** The PEM bytes of a `*-data` field (base64) or a file, checked for a PEM block. */
export async function loadPem(ref: PemRef): Promise<Buffer> {
  let content: Buffer;
  if (ref.data !== undefined) {
    if (!BASE64.test(ref.data)) throw new ConfigError(ref.source, ref.field, 'is not valid base64');
    content = Buffer.from(ref.data, 'base64');
  } else if (ref.file !== undefined) {
    content = await readFileFor(ref.file, ref);
  } else {
    throw new ConfigError(ref.source, ref.field, 'has no value');
  }
  if (!hasPemBlock(content)) {
    const what = ref.file !== undefined && ref.data === undefined ? `${ref.file} does not contain` : 'does not contain';
    throw new ConfigError(ref.source, ref.field, `${what} a PEM block (-----BEGIN …-----)`);
  }
  return content;
}
