import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.ts';
import {
  inClusterPossible,
  inClusterProblem,
  joinHostPort,
  loadInCluster,
} from '../../../src/connection/in-cluster.ts';
import { CA_PEM, tempDir, warnings } from './helpers.ts';

const { dir, write } = tempDir();

/** A service-account folder like the kubelet mounts. */
function serviceAccount(name: string, files: { token?: string; ca?: string; namespace?: string }): string {
  const sa = join(dir, name);
  mkdirSync(sa, { recursive: true });
  for (const [file, content] of Object.entries({
    token: files.token,
    'ca.crt': files.ca,
    namespace: files.namespace,
  })) {
    if (content !== undefined) writeFileSync(join(sa, file), content);
  }
  return sa;
}

const env = (extra: Record<string, string> = {}) => ({
  KUBERNETES_SERVICE_HOST: '10.96.0.1',
  KUBERNETES_SERVICE_PORT: '443',
  ...extra,
});

describe('in-cluster configuration', () => {
  const full = serviceAccount('full', { token: 'sa-token-SECRET\n', ca: CA_PEM, namespace: ' team-a \n' });

  it.each([
    ['10.96.0.1', '443', 'https://10.96.0.1:443'],
    ['fd00::1', '443', 'https://[fd00::1]:443'],
    ['[fd00::1]', '6443', 'https://[fd00::1]:6443'],
    ['kubernetes.default.svc', '443', 'https://kubernetes.default.svc:443'],
  ])('host %s port %s → %s', async (host, port, server) => {
    expect(joinHostPort(host, port)).toBe(server.slice('https://'.length));
    const config = await loadInCluster({
      env: { KUBERNETES_SERVICE_HOST: host, KUBERNETES_SERVICE_PORT: port },
      serviceAccountDir: full,
    });
    expect(config.server).toBe(server);
  });

  it('reads the CA, the token (trimmed, as a token file) and the namespace file (trimmed)', async () => {
    const config = await loadInCluster({ env: env(), serviceAccountDir: full });
    expect(config.tls).toEqual({ ca: Buffer.from(CA_PEM), insecureSkipTlsVerify: false });
    expect(config.auth.method).toBe('token-file');
    expect((await config.auth.credentials()).authorization).toBe('Bearer sa-token-SECRET');
    expect(config.namespace).toBe('team-a');
    expect(config.origin).toBe('in-cluster');
  });

  it.each([
    ['POD_NAMESPACE first', { POD_NAMESPACE: 'from-env' }, 'full', undefined, 'from-env'],
    ['then the namespace file', {}, 'full', undefined, 'team-a'],
    ['then default', {}, 'bare', undefined, 'default'],
    ['the namespace option over all', { POD_NAMESPACE: 'from-env' }, 'full', 'chosen', 'chosen'],
  ])('namespace: %s', async (_name, extra, folder, namespace, expected) => {
    const serviceAccountDir = folder === 'full' ? full : serviceAccount('bare', { token: 't' });
    const { warn } = warnings();
    const config = await loadInCluster({ env: env(extra), serviceAccountDir, namespace, warn });
    expect(config.namespace).toBe(expected);
  });

  it('warns and uses the system roots when ca.crt is missing or not PEM', async () => {
    for (const [name, ca, message] of [
      ['no-ca', undefined, /cannot read .*no-ca\/ca\.crt \(no such file\)/],
      ['bad-ca', 'garbage', /bad-ca\/ca\.crt does not contain a PEM block/],
    ] as const) {
      const { warn, messages } = warnings();
      const config = await loadInCluster({
        env: env(),
        serviceAccountDir: serviceAccount(name, { token: 't', ca }),
        warn,
      });
      expect(config.tls.ca).toBeUndefined();
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatch(message);
    }
  });

  it.each([
    ['without KUBERNETES_SERVICE_HOST', { KUBERNETES_SERVICE_PORT: '443' }, 'full', /KUBERNETES_SERVICE_HOST not set/],
    ['without either variable', {}, 'full', /KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT not set/],
    ['without a token file', env(), 'empty', /service-account token .*empty\/token: no such file/],
    ['with a directory as token', env(), 'dir-token', /dir-token\/token is a directory/],
  ])('is impossible %s', async (_name, vars, folder, message) => {
    const serviceAccountDir = folder === 'full' ? full : serviceAccount(folder, {});
    if (folder === 'dir-token') mkdirSync(join(serviceAccountDir, 'token'), { recursive: true });
    expect(await inClusterProblem({ env: vars, serviceAccountDir })).toMatch(message);
    expect(await inClusterPossible({ env: vars, serviceAccountDir })).toBe(false);
    const error = await loadInCluster({ env: vars, serviceAccountDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).source).toBe('in-cluster');
  });

  it('refuses an empty token file', async () => {
    const serviceAccountDir = serviceAccount('empty-token', { token: '\n' });
    await expect(loadInCluster({ env: env(), serviceAccountDir })).rejects.toThrow(
      /in-cluster: token: cannot read the token from .*: the file is empty/,
    );
  });

  it('re-reads the rotated token', async () => {
    const serviceAccountDir = serviceAccount('rotating', { token: 'one', ca: CA_PEM });
    const config = await loadInCluster({ env: env(), serviceAccountDir, tokenReloadMs: 20 });
    const used = await config.auth.credentials();
    expect(used.authorization).toBe('Bearer one');
    write('rotating/token', 'two\n');
    expect(await config.auth.refreshAfterUnauthorized(used)).toBe(true);
    write('rotating/token', 'three');
    await new Promise((r) => setTimeout(r, 30));
    expect((await config.auth.credentials()).authorization).toBe('Bearer three');
  });

  it('prints no token', async () => {
    const config = await loadInCluster({ env: env(), serviceAccountDir: full });
    expect(inspect(config, { depth: 10 })).not.toContain('SECRET');
    expect(JSON.stringify(config)).not.toContain('SECRET');
    expect(inspect(config)).toContain("server: 'https://10.96.0.1:443'");
  });
});

describe('what connect() loads in a pod', () => {
  const sa = serviceAccount('loads', { token: 'sa-token\n', ca: CA_PEM, namespace: 'team-a' });
  const kubeconfig = write(
    'loads.kubeconfig',
    'apiVersion: v1\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]\n' +
      'users: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n',
  );

  /** The yaml package's modules that a fresh process loads for `connect(options)`. */
  function yamlModulesLoaded(options: string): string[] {
    const connectUrl = new URL('../../../src/connection/index.ts', import.meta.url).href;
    const script = `
      import { registerHooks } from 'node:module';
      const loaded = [];
      registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
      const { connect } = await import(${JSON.stringify(connectUrl)});
      const conn = await connect(${options});
      await conn.close();
      process.stdout.write(JSON.stringify(loaded.filter((url) => url.includes('/node_modules/yaml/'))));
    `;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    return JSON.parse(output) as string[];
  }

  it('the service account needs no YAML parser; a kubeconfig file loads it', () => {
    const inCluster = `{ inCluster: true, serviceAccountDir: ${JSON.stringify(sa)}, env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: '6443' } }`;
    expect(yamlModulesLoaded(inCluster)).toEqual([]);
    expect(yamlModulesLoaded(`{ kubeconfig: ${JSON.stringify(kubeconfig)} }`).length).toBeGreaterThan(0);
  });
});
