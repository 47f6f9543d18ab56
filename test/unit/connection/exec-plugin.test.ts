import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ExecPluginAuth, parseExecCredential, type ExecPluginOptions } from '../../../src/connection/exec-plugin.ts';
import type { ExecPlan } from '../../../src/connection/resolve.ts';
import { ConnectionClosedError, CredentialError } from '../../../src/errors.ts';
import { CERT_PEM, KEY_PEM, tempDir } from './helpers.ts';

const { dir, write } = tempDir();
const V1 = 'client.authentication.k8s.io/v1' as const;
const V1BETA1 = 'client.authentication.k8s.io/v1beta1' as const;

/** Prints an ExecCredential; PLUGIN_* variables pick the behaviour; every run appends to a count file. */
const script = write(
  'plugin.mjs',
  `
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { isatty } from 'node:tty';
const env = process.env;
let run = 1;
if (env.PLUGIN_COUNT_FILE) { appendFileSync(env.PLUGIN_COUNT_FILE, 'x'); run = readFileSync(env.PLUGIN_COUNT_FILE, 'utf8').length; }
if (env.PLUGIN_INFO_FILE) writeFileSync(env.PLUGIN_INFO_FILE, JSON.stringify({
  info: JSON.parse(env.KUBERNETES_EXEC_INFO), custom: env.PLUGIN_CUSTOM, base: env.PLUGIN_BASE, stdinTty: isatty(0), pid: process.pid,
}));
const apiVersion = env.PLUGIN_API_VERSION ?? JSON.parse(env.KUBERNETES_EXEC_INFO).apiVersion;
const out = (status) => process.stdout.write(JSON.stringify({ apiVersion, kind: 'ExecCredential', status }));
const expiry = env.PLUGIN_EXPIRE_MS ? { expirationTimestamp: new Date(Date.now() + Number(env.PLUGIN_EXPIRE_MS)).toISOString() } : {};
setTimeout(() => {
  switch (env.PLUGIN_MODE ?? 'token') {
    case 'token': out({ token: 'tok-' + run, ...expiry }); break;
    case 'cert': out({ clientCertificateData: ${JSON.stringify(CERT_PEM)}, clientKeyData: ${JSON.stringify(KEY_PEM)} }); break;
    case 'half-cert': out({ clientCertificateData: ${JSON.stringify(CERT_PEM)} }); break;
    case 'fail':
      out({ token: 'tok-SECRET' });
      process.stderr.write('To sign in, open https://login.example/device and enter the code DEVICE-CODE-SECRET\\nerror: you must log in\\n');
      process.exit(3);
    case 'fail-silently': process.exit(1);
    case 'fail-once':
      if (run === 1) { process.stderr.write('identity provider unavailable: DEVICE-CODE-SECRET\\n'); process.exit(1); }
      out({ token: 'tok-' + run });
      break;
    case 'kill-self': process.kill(process.pid, 'SIGTERM'); setInterval(() => {}, 1000); break;
    case 'flood': process.stdout.write('x'.repeat(2 * 1024 * 1024)); break;
    case 'garbage': process.stdout.write('token=tok-SECRET (not json)'); break;
    case 'hang': setInterval(() => {}, 1000); break;
    case 'stderr': process.stderr.write('refreshing your login\\n'); out({ token: 'tok-' + run }); break;
  }
}, Number(env.PLUGIN_DELAY_MS ?? 0));
`,
);

/** Awaits a promise that must reject with a CredentialError, and returns the error. */
async function failure(promise: Promise<unknown>): Promise<CredentialError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CredentialError);
  return error as CredentialError;
}

/** What no error object may hold: the plugin's stderr (a device code) or its stdout (a token). */
function expectNoSecret(error: Error): void {
  const everything = [error.message, error.stack ?? '', inspect(error, { depth: 5 }), JSON.stringify(error)].join('\n');
  expect(everything).not.toContain('SECRET');
  expect(everything).not.toContain('you must log in');
  expect(error.cause).toBeUndefined();
}

let counter = 0;
/** A plugin provider with its own count file; `env` entries become the kubeconfig's exec.env. */
function plugin(
  options: { env?: Record<string, string>; exec?: Partial<ExecPlan> } & Partial<
    Omit<ExecPluginOptions, 'env' | 'exec'>
  > = {},
) {
  const id = ++counter;
  const countFile = join(dir, `count-${id}`);
  const infoFile = join(dir, `info-${id}.json`);
  const stderr: string[] = [];
  const { env = {}, exec, ...rest } = options;
  const auth = new ExecPluginAuth({
    exec: {
      command: process.execPath,
      args: [script],
      env: Object.entries({ PLUGIN_COUNT_FILE: countFile, PLUGIN_INFO_FILE: infoFile, ...env }).map(
        ([name, value]) => ({ name, value }),
      ),
      apiVersion: V1,
      provideClusterInfo: false,
      interactiveMode: 'Never',
      ...exec,
    },
    env: { PATH: process.env.PATH, PLUGIN_BASE: 'from-base' },
    stderr: (text) => stderr.push(text),
    timeoutMs: 10_000,
    source: '/cfg',
    field: 'users[ci].user.exec',
    ...rest,
  });
  const runs = (): number => {
    try {
      return readFileSync(countFile, 'utf8').length;
    } catch {
      return 0;
    }
  };
  const info = () =>
    JSON.parse(readFileSync(infoFile, 'utf8')) as {
      info: Record<string, unknown>;
      custom?: string;
      base?: string;
      stdinTty: boolean;
      pid: number;
    };
  return { auth, runs, info, stderr };
}

describe('ExecPluginAuth', () => {
  it.each([V1, V1BETA1])('runs a %s plugin non-interactively with KUBERNETES_EXEC_INFO', async (apiVersion) => {
    const { auth, info } = plugin({ exec: { apiVersion, interactiveMode: 'IfAvailable' } });
    expect((await auth.credentials()).authorization).toBe('Bearer tok-1');
    expect(info().info).toEqual({ apiVersion, kind: 'ExecCredential', spec: { interactive: false } });
    expect(info().stdinTty).toBe(false);
  });

  it('caches credentials without expirationTimestamp for the process lifetime', async () => {
    const { auth, runs } = plugin();
    for (let i = 0; i < 3; i++) expect((await auth.credentials()).authorization).toBe('Bearer tok-1');
    expect(runs()).toBe(1);
  });

  it('caches until expirationTimestamp, then runs again', async () => {
    let skew = 0;
    const { auth, runs } = plugin({ env: { PLUGIN_EXPIRE_MS: '60000' }, now: () => Date.now() + skew });
    expect((await auth.credentials()).authorization).toBe('Bearer tok-1');
    skew = 59_000;
    expect((await auth.credentials()).authorization).toBe('Bearer tok-1');
    skew = 61_000;
    expect((await auth.credentials()).authorization).toBe('Bearer tok-2');
    expect(runs()).toBe(2);
  });

  it('shares one run between concurrent callers', async () => {
    const { auth, runs } = plugin({ env: { PLUGIN_DELAY_MS: '200' } });
    const all = await Promise.all(Array.from({ length: 8 }, () => auth.credentials()));
    expect(new Set(all.map((c) => c.authorization))).toEqual(new Set(['Bearer tok-1']));
    expect(runs()).toBe(1);
  });

  it('runs again after a 401 unless newer credentials are already cached', async () => {
    const { auth, runs } = plugin({ env: { PLUGIN_DELAY_MS: '50' } });
    const used = await auth.credentials();
    const [a, b] = await Promise.all([auth.refreshAfterUnauthorized(used), auth.refreshAfterUnauthorized(used)]);
    expect([a, b, runs()]).toEqual([true, true, 2]);
    expect((await auth.credentials()).authorization).toBe('Bearer tok-2');
    // A request that failed with the old token: the cache already holds a newer one.
    expect(await auth.refreshAfterUnauthorized(used)).toBe(true);
    expect(runs()).toBe(2);
  });

  it('passes cluster info only with provideClusterInfo', async () => {
    const cluster = {
      server: 'https://10.0.0.1:6443',
      tlsServerName: 'api.internal',
      insecureSkipTlsVerify: false,
      certificateAuthorityData: Buffer.from('CA PEM'),
      proxyUrl: 'http://proxy:3128',
      disableCompression: true,
      config: { audience: 'api', port: 8443 },
    };
    const withInfo = plugin({ exec: { provideClusterInfo: true }, cluster });
    await withInfo.auth.credentials();
    expect(withInfo.info().info.spec).toEqual({
      interactive: false,
      cluster: {
        server: 'https://10.0.0.1:6443',
        'tls-server-name': 'api.internal',
        'certificate-authority-data': Buffer.from('CA PEM').toString('base64'),
        'proxy-url': 'http://proxy:3128',
        'disable-compression': true,
        config: { audience: 'api', port: 8443 },
      },
    });
    const without = plugin({ exec: { provideClusterInfo: false }, cluster });
    await without.auth.credentials();
    expect(without.info().info.spec).toEqual({ interactive: false });
  });

  it('gives the plugin the base environment plus exec.env', async () => {
    const { auth, info } = plugin({ env: { PLUGIN_CUSTOM: 'from-kubeconfig' } });
    await auth.credentials();
    expect([info().base, info().custom]).toEqual(['from-base', 'from-kubeconfig']);
  });

  it('returns a client certificate and key', async () => {
    const { auth } = plugin({ env: { PLUGIN_MODE: 'cert' } });
    const credentials = await auth.credentials();
    expect(credentials.authorization).toBeUndefined();
    expect(credentials.clientCertificate?.cert.toString()).toBe(CERT_PEM);
    expect(credentials.clientCertificate?.key.toString()).toBe(KEY_PEM);
    expect(inspect(credentials)).not.toContain('PRIVATE KEY');
    expect(JSON.stringify(credentials)).not.toContain('PRIVATE KEY');
  });

  it('forwards stderr to the hook', async () => {
    const { auth, stderr } = plugin({ env: { PLUGIN_MODE: 'stderr' } });
    await auth.credentials();
    expect(stderr.join('')).toBe('refreshing your login\n');
  });

  it('kills a plugin that does not finish in time: a retryable CredentialError', async () => {
    const { auth, info } = plugin({ env: { PLUGIN_MODE: 'hang' }, timeoutMs: 500 });
    const started = Date.now();
    const error = await failure(auth.credentials());
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error.retryable).toBe(true);
    expect(error.message).toBe(
      `/cfg: users[ci].user.exec: exec plugin ${process.execPath} did not finish within 500 ms and was stopped ` +
        '(is it waiting for input? it runs without a terminal); check that the plugin works: run it by hand',
    );
    // The kill is sent before credentials() rejects; the process is gone once the OS has reaped it.
    const alive = (): boolean => {
      try {
        process.kill(info().pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let waited = 0; alive() && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    expect(() => process.kill(info().pid, 0)).toThrow(/ESRCH/);
  });

  it('reports a missing command with its installHint: not retryable', async () => {
    const { auth } = plugin({
      exec: { command: join(dir, 'no-such-plugin'), installHint: 'Install it with: brew install no-such-plugin' },
    });
    const error = await failure(auth.credentials());
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(
      /no-such-plugin was not found \(is it installed and on PATH\?\)\n\nInstall it with: brew install no-such-plugin$/,
    );
  });

  it('a command that cannot be started (not executable) is not retryable', async () => {
    const notExecutable = write('not-executable', '#!/bin/sh\necho hi\n');
    const { auth } = plugin({ exec: { command: notExecutable, args: [] } });
    const error = await failure(auth.credentials());
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/not-executable could not be started: EACCES \(is it executable\?\)$/);
  });

  it('a non-zero exit is a retryable CredentialError with the exit code; its stderr goes to the hook only, never into the error', async () => {
    const { auth, stderr } = plugin({ env: { PLUGIN_MODE: 'fail' } });
    const error = await failure(auth.credentials());
    expect(error.retryable).toBe(true);
    expect(error.message).toBe(
      `/cfg: users[ci].user.exec: exec plugin ${process.execPath} exited with code 3 ` +
        "(its stderr went to this process's stderr); check that the plugin works: run it by hand",
    );
    expectNoSecret(error);
    // The device code reached the user as the plugin wrote it.
    expect(stderr.join('')).toContain('enter the code DEVICE-CODE-SECRET');
  });

  it('says so when a failed plugin wrote nothing to stderr', async () => {
    const error = await failure(plugin({ env: { PLUGIN_MODE: 'fail-silently' } }).auth.credentials());
    expect(error.message).toMatch(/exited with code 1 \(it wrote nothing to stderr\); check that the plugin works/);
  });

  it('a plugin killed by a signal is retryable and names the signal', async () => {
    const error = await failure(plugin({ env: { PLUGIN_MODE: 'kill-self' } }).auth.credentials());
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/was killed by SIGTERM \(it wrote nothing to stderr\)/);
  });

  it('output over the limit is retryable', async () => {
    const error = await failure(plugin({ env: { PLUGIN_MODE: 'flood' } }).auth.credentials());
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/printed more than 1048576 bytes; check that the plugin works/);
  });

  it('a plugin that fails once works on the next call: the failure is not cached', async () => {
    const { auth, runs } = plugin({ env: { PLUGIN_MODE: 'fail-once' } });
    const error = await failure(auth.credentials());
    expect(error.retryable).toBe(true);
    expectNoSecret(error);
    expect((await auth.credentials()).authorization).toBe('Bearer tok-2');
    expect(runs()).toBe(2);
  });

  it.each([
    ['garbage', { PLUGIN_MODE: 'garbage' }, /printed something that is not JSON/],
    [
      'a wrong apiVersion',
      { PLUGIN_API_VERSION: V1BETA1 },
      /returned apiVersion client.authentication.k8s.io\/v1beta1, but the kubeconfig asks for client.authentication.k8s.io\/v1/,
    ],
    ['a certificate without key', { PLUGIN_MODE: 'half-cert' }, /only one of clientCertificateData and clientKeyData/],
  ])('refuses %s, naming the command (retryable)', async (_name, env, message) => {
    const { auth } = plugin({ env });
    const error = await failure(auth.credentials());
    expect(error.retryable).toBe(true);
    expect(error.message).toContain(`exec plugin ${process.execPath}`);
    expect(error.message).toMatch(message);
    expectNoSecret(error);
  });

  it('stops a running plugin on close and refuses to run afterwards: ConnectionClosedError, not a CredentialError', async () => {
    const { auth, runs } = plugin({ env: { PLUGIN_MODE: 'hang' } });
    const pending = auth.credentials();
    await new Promise((r) => setTimeout(r, 200));
    auth.close();
    const stopped = await pending.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(stopped).toBeInstanceOf(ConnectionClosedError);
    expect(stopped).not.toBeInstanceOf(CredentialError);
    expect((stopped as Error).message).toMatch(/the connection is closed/);
    const later = await auth.credentials().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(later).toBeInstanceOf(ConnectionClosedError);
    expect(runs()).toBe(1);
  });

  it('prints no token', async () => {
    const { auth } = plugin();
    const credentials = await auth.credentials();
    for (const shown of [inspect(auth), JSON.stringify(auth), inspect(credentials), JSON.stringify(credentials)]) {
      expect(shown).not.toContain('tok-1');
    }
  });
});

describe('parseExecCredential', () => {
  const ok = (status: unknown, apiVersion = V1) => JSON.stringify({ apiVersion, kind: 'ExecCredential', status });
  it.each([
    ['no kind', JSON.stringify({ apiVersion: V1 }), /kind is missing or wrong/],
    ['no status', ok(undefined), /returned no status/],
    ['an empty status', ok({}), /neither a token nor a client certificate/],
    ['a bad expiry', ok({ token: 't', expirationTimestamp: 'tomorrow' }), /not an RFC 3339 time/],
    ['a key that is not PEM', ok({ clientCertificateData: CERT_PEM, clientKeyData: 'nope' }), /not PEM/],
  ])('refuses %s', (_name, stdout, message) => {
    expect(parseExecCredential(stdout, V1)).toMatch(message);
  });

  it('reads the expiry', () => {
    const parsed = parseExecCredential(ok({ token: 't', expirationTimestamp: '2030-01-02T03:04:05Z' }), V1);
    expect(typeof parsed === 'object' && parsed.expiresAt).toBe(Date.UTC(2030, 0, 2, 3, 4, 5));
  });
});
