import { rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, CredentialError } from '../../../src/errors.ts';
import {
  ClientCertificate,
  StaticAuth,
  TokenFileAuth,
  basicAuth,
  staticToken,
} from '../../../src/connection/credentials.ts';
import { CERT_PEM, KEY_PEM, tempDir, warnings } from './helpers.ts';

const { dir, write } = tempDir();

/** A controllable clock: token-file reloads are decided by elapsed time. */
function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function tokenFile(name: string, content: string, extra: Partial<ConstructorParameters<typeof TokenFileAuth>[0]> = {}) {
  const file = write(name, content);
  const time = clock();
  const { warn, messages } = warnings();
  const auth = new TokenFileAuth({
    file,
    reloadMs: 1_000,
    now: time.now,
    source: '/cfg',
    field: 'users[u].user.tokenFile',
    warn,
    ...extra,
  });
  return { auth, file, time, messages };
}

describe('static credentials', () => {
  it.each([
    ['a token', staticToken('abc'), 'token', 'Bearer abc'],
    [
      'basic auth',
      basicAuth({ username: 'me', password: 'p:w' }),
      'basic',
      `Basic ${Buffer.from('me:p:w').toString('base64')}`,
    ],
    ['none', new StaticAuth({ method: 'none' }), 'none', undefined],
  ])('%s', async (_name, auth, method, authorization) => {
    expect(auth.method).toBe(method);
    expect((await auth.credentials()).authorization).toBe(authorization);
    expect(await auth.refreshAfterUnauthorized(await auth.credentials())).toBe(false);
  });

  it('carries a client certificate next to a token', async () => {
    const certificate = new ClientCertificate({ cert: Buffer.from(CERT_PEM), key: Buffer.from(KEY_PEM) });
    const credentials = await staticToken('abc', certificate).credentials();
    expect(credentials.clientCertificate?.cert.toString()).toBe(CERT_PEM);
    expect(credentials.clientCertificate?.key.toString()).toBe(KEY_PEM);
  });

  it('never prints a token, password or key', async () => {
    const certificate = new ClientCertificate({ cert: Buffer.from(CERT_PEM), key: Buffer.from(KEY_PEM) });
    for (const auth of [
      staticToken('tok-SECRET', certificate),
      basicAuth({ username: 'me', password: 'pw-SECRET' }, certificate),
    ]) {
      const credentials = await auth.credentials();
      for (const shown of [
        inspect(auth),
        JSON.stringify(auth),
        inspect(credentials),
        JSON.stringify(credentials),
        inspect({ auth, credentials }),
      ]) {
        expect(shown).not.toMatch(/SECRET|U0VDUkVU|PRIVATE KEY/);
      }
      expect(inspect(credentials)).toContain('<redacted>');
    }
  });
});

describe('TokenFileAuth', () => {
  it('trims the token and re-reads it only after the reload interval', async () => {
    const { auth, file, time } = tokenFile('t1', '  first\n');
    expect((await auth.credentials()).authorization).toBe('Bearer first');
    writeFileSync(file, 'second\n');
    time.advance(999);
    expect((await auth.credentials()).authorization).toBe('Bearer first');
    time.advance(1);
    expect((await auth.credentials()).authorization).toBe('Bearer second');
  });

  it('picks up a rewritten file with the real clock and a small reloadMs', async () => {
    const file = write('t-real', 'one');
    const auth = new TokenFileAuth({ file, reloadMs: 20, source: 'in-cluster', field: 'token' });
    expect((await auth.credentials()).authorization).toBe('Bearer one');
    writeFileSync(file, 'two');
    await new Promise((r) => setTimeout(r, 30));
    expect((await auth.credentials()).authorization).toBe('Bearer two');
  });

  it('re-reads at once after a 401 and tells whether the token changed', async () => {
    const { auth, file } = tokenFile('t2', 'old');
    const used = await auth.credentials();
    expect(await auth.refreshAfterUnauthorized(used)).toBe(false);
    writeFileSync(file, 'new');
    expect(await auth.refreshAfterUnauthorized(used)).toBe(true);
    expect((await auth.credentials()).authorization).toBe('Bearer new');
    // Another request already rotated it: no re-read needed, retrying helps.
    expect(await auth.refreshAfterUnauthorized(used)).toBe(true);
  });

  it('keeps the last good token when a re-read fails, and says so without the token', async () => {
    const { auth, file, time, messages } = tokenFile('t3', 'good-SECRET');
    await auth.load();
    for (const breakIt of [() => rmSync(file), () => writeFileSync(file, '  \n'), () => mkdirSync(file)]) {
      breakIt();
      time.advance(1_000);
      expect((await auth.credentials()).authorization).toBe('Bearer good-SECRET');
      rmSync(file, { recursive: true, force: true });
    }
    expect(messages).toHaveLength(3);
    expect(messages[0]).toMatch(/cannot read the token from .*t3: no such file; keeping the last token read/);
    expect(messages[1]).toMatch(/the file is empty/);
    expect(messages[2]).toMatch(/is a directory/);
    expect(messages.join('\n')).not.toContain('SECRET');
  });

  it.each([
    ['an empty file', 'empty', '\n \n', /cannot read the token from .*empty: the file is empty/],
    ['a missing file', 'missing', undefined, /cannot read the token from .*missing: no such file/],
  ])('fails to load %s with a ConfigError naming file and field', async (_name, name, content, message) => {
    const file = content === undefined ? join(dir, name) : write(name, content);
    const auth = new TokenFileAuth({ file, source: '/cfg', field: 'users[u].user.tokenFile' });
    const error = await auth.load().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('users[u].user.tokenFile');
    expect((error as ConfigError).message).toMatch(message);
    await expect(auth.credentials()).rejects.toThrow(message);
  });

  it('at request time, a token file that cannot be read is a retryable CredentialError; at load() a plain ConfigError', async () => {
    const file = join(dir, 'appears-later');
    const auth = new TokenFileAuth({ file, reloadMs: 0, source: '/cfg', field: 'users[u].user.tokenFile' });
    const atLoad = await auth.load().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(atLoad).toBeInstanceOf(ConfigError);
    expect(atLoad).not.toBeInstanceOf(CredentialError);
    const atRequest = await auth.credentials().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(atRequest).toBeInstanceOf(CredentialError);
    expect(atRequest).toMatchObject({ retryable: true, source: '/cfg', field: 'users[u].user.tokenFile' });
    expect((atRequest as Error).message).toMatch(/cannot read the token from .*appears-later: no such file/);
    // The volume is mounted: the next request reads it.
    writeFileSync(file, 'late-token');
    expect((await auth.credentials()).authorization).toBe('Bearer late-token');
  });

  it('uses a token set next to tokenFile until the file has been read, then the file', async () => {
    const file = join(dir, 'later');
    const auth = new TokenFileAuth({ file, token: 'inline', reloadMs: 0, source: '/cfg', field: 'f' });
    expect((await auth.credentials()).authorization).toBe('Bearer inline');
    writeFileSync(file, 'from-file');
    expect((await auth.credentials()).authorization).toBe('Bearer from-file');
  });

  it('prints the file, never the token', async () => {
    const { auth } = tokenFile('t4', 'tok-SECRET');
    const credentials = await auth.credentials();
    for (const shown of [inspect(auth), JSON.stringify(auth), inspect(credentials), JSON.stringify(credentials)]) {
      expect(shown).not.toContain('SECRET');
    }
    expect(inspect(auth)).toContain('t4');
  });
});

describe('ClientCertificate', () => {
  it('re-reads its files after the interval and keeps the same object while unchanged', async () => {
    const certFile = write('c.crt', CERT_PEM);
    const keyFile = write('c.key', KEY_PEM);
    const time = clock();
    const { warn, messages } = warnings();
    const certificate = new ClientCertificate({
      cert: Buffer.from(CERT_PEM),
      key: Buffer.from(KEY_PEM),
      certFile,
      keyFile,
      reloadMs: 100,
      now: time.now,
      warn,
    });
    const first = await certificate.get();
    time.advance(100);
    expect(await certificate.get()).toBe(first);
    const rotated = CERT_PEM.replace('Q0VSVC1mYWtl', 'bmV3');
    writeFileSync(certFile, rotated);
    time.advance(100);
    expect((await certificate.get()).cert.toString()).toBe(rotated);
    writeFileSync(keyFile, 'not pem');
    time.advance(100);
    expect((await certificate.get()).cert.toString()).toBe(rotated);
    expect(messages).toHaveLength(1);
  });
});
