import { mkdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig, type LoadConfigOptions } from '../../../src/connection/load-config.ts';
import { ValidationError } from '../../../src/errors.ts';
import { CA_PEM, CERT_PEM, KEY_PEM, b64, failure, tempDir, warnings } from './helpers.ts';

const { dir, write } = tempDir();
const CA_B = CA_PEM.replace('Q0EtZmFrZQ==', 'Q0EtQg==');

// Two kubeconfigs that conflict on purpose; each refers to files next to itself by relative paths.
const A = write(
  'a/config',
  `current-context: a-ctx
clusters:
- name: shared
  cluster: {server: "https://a.example:6443/", certificate-authority: ca.crt, tls-server-name: api.a, proxy-url: "http://user:proxy-SECRET@proxy:3128"}
users:
- name: red
  user: {client-certificate: certs/u.crt, client-key: certs/u.key, as: alice, as-groups: [dev]}
contexts:
- name: a-ctx
  context: {cluster: shared, user: red, namespace: ns-a}
`,
);
write('a/ca.crt', CA_PEM);
write('a/certs/u.crt', CERT_PEM);
write('a/certs/u.key', KEY_PEM);
const B = write(
  'b/config',
  `current-context: b-ctx
clusters:
- name: shared
  cluster: {server: "https://b-shared.example"}
- name: b-cluster
  cluster: {server: "https://b.example", certificate-authority: ca.crt}
users:
- name: tok
  user: {tokenFile: token}
contexts:
- name: b-ctx
  context: {cluster: b-cluster, user: tok}
- name: a-ctx
  context: {cluster: b-cluster, user: tok, namespace: from-b}
`,
);
write('b/ca.crt', CA_B);
write('b/token', 'b-token-SECRET\n');
const EMPTY = write('empty/config', '');
const MISSING = join(dir, 'missing/config');
const HOME = join(dir, 'home');
const SA = join(dir, 'sa');
write('sa/token', 'sa-token');
write('sa/namespace', 'pod-ns');
write('sa/ca.crt', CA_PEM);
const IN_POD = { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' };

/** loadConfig isolated from the machine: no process.env, a fake home and service-account folder. */
function load(options: LoadConfigOptions & { kubeconfigEnv?: string[] } = {}) {
  const { kubeconfigEnv, ...rest } = options;
  const env = { ...(kubeconfigEnv === undefined ? {} : { KUBECONFIG: kubeconfigEnv.join(delimiter) }), ...options.env };
  return loadConfig({ homeDir: HOME, serviceAccountDir: SA, warn: () => {}, ...rest, env });
}

describe('loadConfig: finding and merging kubeconfigs', () => {
  it('merges KUBECONFIG: duplicates and empty entries dropped, missing files skipped, first wins', async () => {
    const config = await load({ kubeconfigEnv: [A, '', MISSING, EMPTY, B, A] });
    expect(config.server).toBe('https://a.example:6443');
    expect(config.namespace).toBe('ns-a');
    expect(config.tls).toEqual({ ca: Buffer.from(CA_PEM), servername: 'api.a', insecureSkipTlsVerify: false });
    expect(config.proxyUrl).toBe('http://user:proxy-SECRET@proxy:3128');
    expect(config.impersonate).toEqual({ user: 'alice', groups: ['dev'] });
    expect(config.auth.method).toBe('client-certificate');
    const credentials = await config.auth.credentials();
    expect([credentials.clientCertificate?.cert.toString(), credentials.clientCertificate?.key.toString()]).toEqual([
      CERT_PEM,
      KEY_PEM,
    ]);
    expect(config.origin).toBe(`kubeconfig ${[A, EMPTY, B].join(delimiter)} (context a-ctx)`);
  });

  it('takes current-context from the first file that sets it, and paths relative to each stanza’s file', async () => {
    const config = await load({ kubeconfigEnv: [B, A] });
    expect([config.server, config.namespace, config.tls.ca?.toString()]).toEqual([
      'https://b.example',
      'default',
      CA_B,
    ]);
    expect(config.auth.method).toBe('token-file');
    expect((await config.auth.credentials()).authorization).toBe('Bearer b-token-SECRET');
  });

  it('selects the context option; an entry from a later file keeps its own directory', async () => {
    const config = await load({ kubeconfigEnv: [A, B], context: 'b-ctx' });
    expect([config.server, config.tls.ca?.toString()]).toEqual(['https://b.example', CA_B]);
    expect((await config.auth.credentials()).authorization).toBe('Bearer b-token-SECRET');
  });

  it.each([
    ['the context namespace', [A], undefined, undefined, 'ns-a'],
    ['the namespace option over the context', [A], undefined, 'chosen', 'chosen'],
    ['default without one', [B], undefined, undefined, 'default'],
    ['the first file’s context entry', [A, B], 'a-ctx', undefined, 'ns-a'],
  ])('namespace: %s', async (_name, files, context, namespace, expected) => {
    expect((await load({ kubeconfigEnv: files, context, namespace })).namespace).toBe(expected);
  });

  it('reads ~/.kube/config without KUBECONFIG', async () => {
    write(
      'home/.kube/config',
      readFileSync(B, 'utf8')
        .replaceAll('ca.crt', join(dir, 'b/ca.crt'))
        .replace('tokenFile: token', `token: home-token`),
    );
    const config = await load();
    expect(config.origin).toBe(`kubeconfig ${join(HOME, '.kube/config')} (context b-ctx)`);
    expect((await config.auth.credentials()).authorization).toBe('Bearer home-token');
  });

  it('reads an explicit file only (never merged with KUBECONFIG), and an explicit list merged', async () => {
    expect((await load({ kubeconfig: B, kubeconfigEnv: [A] })).server).toBe('https://b.example');
    expect((await load({ kubeconfig: [MISSING, B, A] })).server).toBe('https://b.example');
    const error = await failure(load({ kubeconfig: MISSING }));
    expect(error.message).toBe(`${MISSING}: kubeconfig file not found`);
    expect((await failure(load({ kubeconfig: [MISSING] }))).message).toMatch(/none of the kubeconfig files exist/);
  });

  it('reads a parsed kubeconfig object in the file shape', async () => {
    const config = await load({
      kubeconfig: {
        'current-context': 'x',
        clusters: [{ name: 'c', cluster: { server: 'https://obj/', 'certificate-authority-data': b64(CA_PEM) } }],
        users: [{ name: 'u', user: { username: 'me', password: 'pw-SECRET' } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      },
    });
    expect([config.server, config.tls.ca?.toString(), config.auth.method]).toEqual(['https://obj', CA_PEM, 'basic']);
    expect(config.origin).toBe('kubeconfig kubeconfig option (context x)');
  });

  it('reads a @kubernetes/client-node KubeConfig structurally', async () => {
    const kc = {
      clusters: [{ name: 'c', server: 'https://cn', caData: b64(CA_PEM), skipTLSVerify: false }],
      users: [{ name: 'u', certData: b64(CERT_PEM), keyData: b64(KEY_PEM), impersonateUser: 'bob' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u', namespace: 'cn-ns' }],
      currentContext: 'x',
    };
    const config = await load({ kubeconfig: kc });
    expect([config.server, config.namespace, config.auth.method, config.impersonate?.user]).toEqual([
      'https://cn',
      'cn-ns',
      'client-certificate',
      'bob',
    ]);
    expect((await config.auth.credentials()).clientCertificate?.key.toString()).toBe(KEY_PEM);
  });
});

describe('loadConfig: in-cluster', () => {
  it.each([
    ['no kubeconfig exists', { kubeconfigEnv: [MISSING] }],
    ['no ~/.kube/config exists', { homeDir: join(dir, 'nohome') }],
    ['the only kubeconfig is empty', { kubeconfigEnv: [EMPTY] }],
    ['inCluster is forced', { kubeconfigEnv: [A], inCluster: true }],
  ])('is used when %s', async (_name, options) => {
    const config = await load({ ...options, env: IN_POD });
    expect([config.origin, config.server, config.namespace]).toEqual(['in-cluster', 'https://10.0.0.1:443', 'pod-ns']);
  });

  it('warns when every KUBECONFIG file is missing before using in-cluster', async () => {
    const { warn, messages } = warnings();
    await load({ kubeconfigEnv: [MISSING], env: IN_POD, warn });
    expect(messages).toEqual([`KUBECONFIG: none of ${MISSING} exist; using the in-cluster service account`]);
  });

  it('is not used when turned off or when a kubeconfig exists', async () => {
    expect((await failure(load({ kubeconfigEnv: [MISSING], env: IN_POD, inCluster: false }))).message).toBe(
      `${MISSING}: no kubeconfig found (tried ${MISSING}); in-cluster: in-cluster configuration is turned off`,
    );
    expect((await load({ kubeconfigEnv: [A], env: IN_POD })).origin).toMatch(/^kubeconfig /);
  });

  it('explains what was tried when nothing is found', async () => {
    const error = await failure(load({ kubeconfigEnv: [MISSING, join(dir, 'missing2')] }));
    expect(error.message).toMatch(
      /no kubeconfig found \(tried .*missing\/config, .*missing2\); in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT not set/,
    );
    expect((await failure(load({ kubeconfigEnv: [EMPTY] }))).message).toBe(
      `${EMPTY}: the kubeconfig defines no context; pass the context option or run \`kubectl config use-context\``,
    );
  });
});

/** A one-context kubeconfig around a cluster and a user stanza. */
function single(name: string, cluster: string, user: string): string {
  return write(
    `single/${name}`,
    `current-context: x\nclusters:\n- name: c\n  cluster:\n    server: https://h\n${cluster}\nusers:\n- name: ci\n  user:\n${user}\ncontexts:\n- name: x\n  context: {cluster: c, user: ci}\n`,
  );
}

describe('loadConfig: errors name the file and the field', () => {
  it.each([
    [
      'malformed YAML',
      () => write('bad/yaml', 'users:\n- name: ci\n  user:\n    token: abc-SECRET: x\n'),
      undefined,
      /invalid YAML: line 4/,
    ],
    [
      'a kubeconfig that is a directory',
      () => (mkdirSync(join(dir, 'dir-config'), { recursive: true }), join(dir, 'dir-config')),
      undefined,
      /cannot read the kubeconfig: is a directory/,
    ],
    [
      'a missing CA file',
      () => single('no-ca', '    certificate-authority: nope.crt', '    token: t'),
      'clusters[c].cluster.certificate-authority',
      /cannot read .*single\/nope\.crt: no such file/,
    ],
    [
      'a CA that is not PEM',
      () => single('bad-ca', `    certificate-authority-data: ${b64('hello')}`, '    token: t'),
      'clusters[c].cluster.certificate-authority-data',
      /does not contain a PEM block/,
    ],
    [
      'CA data that is not base64',
      () => single('bad-b64', '    certificate-authority-data: "%%%"', '    token: t'),
      'clusters[c].cluster.certificate-authority-data',
      /is not valid base64/,
    ],
    [
      'a client key file that is not PEM',
      () => (
        write('single/k.pem', 'KEY-SECRET'),
        single('bad-key', '', `    client-certificate-data: ${b64(CERT_PEM)}\n    client-key: k.pem`)
      ),
      'users[ci].user.client-key',
      /single\/k\.pem does not contain a PEM block/,
    ],
    [
      'a certificate without key',
      () => single('no-key', '', `    client-certificate-data: ${b64(CERT_PEM)}`),
      'users[ci].user.client-key',
      /must be set with a client certificate/,
    ],
    [
      'CA and insecure together',
      () =>
        single(
          'ca-insecure',
          `    certificate-authority-data: ${b64(CA_PEM)}\n    insecure-skip-tls-verify: on`,
          '    token: t',
        ),
      'clusters[c].cluster.insecure-skip-tls-verify',
      /cannot be combined with a certificate authority/,
    ],
    [
      'an auth-provider',
      () => single('oidc', '', '    auth-provider:\n      name: oidc\n      config: {id-token: tok-SECRET}'),
      'users[ci].user.auth-provider',
      /auth-provider 'oidc' is not supported; use an exec credential plugin such as kubelogin/,
    ],
    [
      'an unreadable token file',
      () => single('tokdir', '', '    tokenFile: .'),
      'users[ci].user.tokenFile',
      /cannot read the token from .*single: is a directory/,
    ],
    [
      'a missing context',
      () => single('ctx', '', '    token: t'),
      undefined,
      /context 'nope' \(from the context option\) not found/,
    ],
  ])('%s', async (name, make, field, message) => {
    const file = make();
    const error = await failure(load({ kubeconfig: file, context: name === 'a missing context' ? 'nope' : undefined }));
    expect(error.source).toBe(file);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
    expect(error.message).not.toMatch(/SECRET|PRIVATE/);
    expect(error.stack).not.toMatch(/node_modules\/yaml/);
  });

  it('refuses unknown options and bad budgets with a ValidationError naming the option', async () => {
    const refused = async (options: LoadConfigOptions) => {
      const error = await load(options).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ValidationError);
      return error as ValidationError;
    };
    const unknown = { kubeconfig: A, kubeConfig: A } as LoadConfigOptions;
    expect((await refused(unknown)).message).toMatch(
      /^options\.kubeConfig: unknown option \(did you mean kubeconfig\?\)/,
    );
    expect((await refused({ kubeconfig: A, execTimeoutMs: -1 })).field).toBe('options.execTimeoutMs');
    expect((await refused({ kubeconfig: A, tokenReloadMs: 0 })).field).toBe('options.tokenReloadMs');
    expect((await refused({ kubeconfig: A, inCluster: true })).field).toBe('options.inCluster');
  });
});

describe('loadConfig: warnings and secrets', () => {
  it('warns about insecure-skip-tls-verify and *-data overriding files', async () => {
    const { warn, messages } = warnings();
    const file = single(
      'warn',
      '    insecure-skip-tls-verify: yes',
      `    client-certificate: x.crt\n    client-certificate-data: ${b64(CERT_PEM)}\n    client-key-data: ${b64(KEY_PEM)}`,
    );
    const config = await loadConfig({ kubeconfig: file, warn, env: {} });
    expect(config.tls.insecureSkipTlsVerify).toBe(true);
    expect(messages).toEqual([
      `${file}: users[ci].user: client-certificate-data and client-certificate are both set; client-certificate-data is used`,
      `${file}: clusters[c].cluster: insecure-skip-tls-verify is set; the server's certificate is not checked`,
    ]);
  });

  it.each([
    ['a token', '    token: tok-SECRET'],
    ['basic auth', '    username: me\n    password: pw-SECRET'],
    ['a client key', `    client-certificate-data: ${b64(CERT_PEM)}\n    client-key-data: ${b64(KEY_PEM)}`],
  ])('never prints %s in util.inspect or JSON of the resolved config', async (name, user) => {
    const config = await load({
      kubeconfig: single(`secret-${name.length}`, '    proxy-url: socks5://u:proxy-SECRET@p:1080', user),
    });
    const credentials = await config.auth.credentials();
    for (const shown of [
      inspect(config, { depth: 20 }),
      JSON.stringify(config),
      inspect(credentials, { depth: 20 }),
      JSON.stringify(credentials),
      inspect({ config, credentials }, { depth: 20 }),
    ]) {
      expect(shown).not.toMatch(/SECRET|PRIVATE KEY|U0VDUkVU/);
    }
    expect(inspect(config)).toContain("proxyUrl: 'socks5://<redacted>@p:1080'");
    expect(inspect(credentials)).toContain('<redacted>');
  });
});

describe('loadConfig: exec plugins', () => {
  const plugin = write(
    'exec/plugin.mjs',
    `import { writeFileSync } from 'node:fs';
writeFileSync(process.env.INFO_FILE, process.env.KUBERNETES_EXEC_INFO);
process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'exec-' + process.env.FROM_BASE } }));
`,
  );

  it('runs the plugin with cluster info from the kubeconfig', async () => {
    const info = join(dir, 'exec/info.json');
    const file = write(
      'exec/config',
      `current-context: x
clusters:
- name: c
  cluster:
    server: https://exec.example/
    certificate-authority-data: ${b64(CA_PEM)}
    extensions:
    - name: client.authentication.k8s.io/exec
      extension: {audience: events, retries: 3}
users:
- name: ci
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ${JSON.stringify(process.execPath)}
      args: [${JSON.stringify(plugin)}]
      env: [{name: INFO_FILE, value: ${JSON.stringify(info)}}]
      interactiveMode: IfAvailable
      provideClusterInfo: true
contexts:
- name: x
  context: {cluster: c, user: ci}
`,
    );
    const config = await load({ kubeconfig: file, env: { FROM_BASE: 'base' }, execTimeoutMs: 10_000 });
    expect(config.auth.method).toBe('exec');
    expect((await config.auth.credentials()).authorization).toBe('Bearer exec-base');
    expect(JSON.parse(readFileSync(info, 'utf8'))).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      spec: {
        interactive: false,
        cluster: {
          server: 'https://exec.example',
          'certificate-authority-data': b64(CA_PEM),
          config: { audience: 'events', retries: 3 },
        },
      },
    });
    config.auth.close();
  });
});
