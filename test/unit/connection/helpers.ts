/** Shared by the connection tests: temp folders, fake PEM blocks, warning collection. */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { ConfigError } from '../../../src/errors.ts';

/** Only the PEM framing matters to the loader; the transport would parse the content. */
export const CA_PEM = '-----BEGIN CERTIFICATE-----\nQ0EtZmFrZQ==\n-----END CERTIFICATE-----\n';
export const CERT_PEM = '-----BEGIN CERTIFICATE-----\nQ0VSVC1mYWtl\n-----END CERTIFICATE-----\n';
export const KEY_PEM = '-----BEGIN PRIVATE KEY-----\nU0VDUkVULUtFWS1NQVRFUklBTA==\n-----END PRIVATE KEY-----\n';
export const b64 = (text: string): string => Buffer.from(text).toString('base64');

/** A temp folder per test file, removed afterwards; `write` creates parents. */
export function tempDir(): { dir: string; write: (name: string, content: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), 'kube-events-conn-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    write: (name, content) => {
      const path = join(dir, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
      return path;
    },
  };
}

/** A warn hook that records. */
export function warnings(): { warn: (message: string) => void; messages: string[] } {
  const messages: string[] = [];
  return { warn: (message) => messages.push(message), messages };
}

/** Awaits a promise that must reject with a ConfigError, and returns the error. */
export async function failure(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}
