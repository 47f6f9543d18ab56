import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.ts';
import { kubeconfigFromObject, mergeKubeconfigs, type Kubeconfig } from '../../../src/connection/kubeconfig.ts';
import { parseKubeconfig } from '../../../src/connection/kubeconfig-file.ts';

const parse = (text: string, path = '/home/me/.kube/config'): Kubeconfig => parseKubeconfig({ text, path });

function parseError(text: string, path = '/cfg/a'): ConfigError {
  try {
    parse(text, path);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const cluster = (fields: string) => `clusters:\n- name: c\n  cluster:\n    server: https://h\n${fields}\n`;

describe('parseKubeconfig: YAML 1.1 coercion as client-go', () => {
  it.each([
    ['true', true],
    ['yes', true],
    ['Yes', true],
    ['on', true],
    ['ON', true],
    ['y', true],
    ['false', false],
    ['no', false],
    ['off', false],
    ['Off', false],
    ['"true"', true],
    ['', false],
    ['~', false],
  ])('insecure-skip-tls-verify: %s → %s', (text, expected) => {
    const config = parse(cluster(`    insecure-skip-tls-verify: ${text}\n    disable-compression: ${text}`));
    expect(config.clusters.get('c')?.value.insecureSkipTlsVerify).toBe(expected);
    expect(config.clusters.get('c')?.value.disableCompression).toBe(expected);
  });

  it('refuses a bool field that is not a YAML 1.1 bool, naming the field', () => {
    const error = parseError(cluster('    insecure-skip-tls-verify: maybe'));
    expect(error.source).toBe('/cfg/a');
    expect(error.field).toBe('clusters[c].cluster.insecure-skip-tls-verify');
  });

  it.each([
    ['namespace: no', 'namespace', 'no'],
    ['namespace: 0644', 'namespace', '0644'],
    ['namespace: 1.10', 'namespace', '1.10'],
    ['namespace: yes', 'namespace', 'yes'],
    ['user: 007', 'user', '007'],
  ])('string fields keep their text: %s', (line, key, expected) => {
    const config = parse(`contexts:\n- name: x\n  context:\n    cluster: c\n    ${line}\n`);
    expect((config.contexts.get('x')?.value as Record<string, unknown>)[key]).toBe(expected);
  });

  it('keeps a token that looks like a number or a bool as text', () => {
    const config = parse('users:\n- name: u\n  user:\n    token: 0123\n    username: no\n    password: on\n');
    expect(config.users.get('u')?.value).toMatchObject({ token: '0123', username: 'no', password: 'on' });
  });

  it('keeps the exec cluster extension typed (numbers, bools)', () => {
    const config = parse(
      cluster(
        '    extensions:\n    - name: other\n      extension: {a: 1}\n    - name: client.authentication.k8s.io/exec\n      extension:\n        audience: api\n        port: 8443\n        strict: true',
      ),
    );
    expect(config.clusters.get('c')?.value.execExtension).toEqual({ audience: 'api', port: 8443, strict: true });
  });
});

describe('parseKubeconfig: documents', () => {
  it.each([
    ['an empty file', ''],
    ['only a comment', '# nothing here\n'],
    ['an explicit null', '~\n'],
    ['empty lists', 'clusters: []\nusers:\ncontexts: []\n'],
  ])('%s is an empty config', (_name, text) => {
    const config = parse(text);
    expect([config.clusters.size, config.users.size, config.contexts.size, config.currentContext]).toEqual([
      0,
      0,
      0,
      undefined,
    ]);
  });

  it('reports malformed YAML with file, line and column, without quoting the line', () => {
    const error = parseError('users:\n- name: ci\n  user:\n    token: s3cr3t-value: oops\n');
    expect(error.message).toMatch(/^\/cfg\/a: invalid YAML: line 4, column \d+: /);
    expect(error.message).not.toContain('s3cr3t');
    expect(error.stack).not.toContain('s3cr3t');
  });

  it.each([
    ['a list at the top level', '- a\n- b\n', /top level must be a mapping/],
    ['clusters not a list', 'clusters: {a: 1}\n', /clusters: must be a list/],
    ['two documents', 'a: 1\n---\nb: 2\n', /invalid YAML: line 2/],
    [
      'a duplicate key',
      'current-context: a\ncurrent-context: b\n',
      /invalid YAML: line 2, column 1: Map keys must be unique/,
    ],
    [
      'a name twice in one file',
      'users:\n- name: u\n  user: {}\n- name: u\n  user: {}\n',
      /users\[u\]: the name 'u' is defined twice/,
    ],
    [
      'an exec env entry without name',
      'users:\n- name: u\n  user:\n    exec:\n      env:\n      - value: x\n',
      /users\[u\]\.user\.exec\.env\[0\]\.name: must be set/,
    ],
  ])('refuses %s', (_name, text, message) => {
    expect(() => parse(text, '/cfg/a')).toThrow(message);
  });

  it('resolves relative paths against the file directory, exec.command only with a separator', () => {
    const config = parse(
      [
        'clusters:',
        '- name: c',
        '  cluster: {server: https://h, certificate-authority: ca.crt}',
        'users:',
        '- name: rel',
        '  user: {client-certificate: certs/u.crt, client-key: /abs/u.key, tokenFile: ../tok}',
        '- name: path-exec',
        '  user: {exec: {command: ./bin/plugin, apiVersion: client.authentication.k8s.io/v1}}',
        '- name: bare-exec',
        '  user: {exec: {command: kubelogin, apiVersion: client.authentication.k8s.io/v1}}',
      ].join('\n'),
      '/etc/kube/one/config',
    );
    expect(config.clusters.get('c')?.value.certificateAuthority).toBe('/etc/kube/one/ca.crt');
    expect(config.users.get('rel')?.value).toMatchObject({
      clientCertificate: '/etc/kube/one/certs/u.crt',
      clientKey: '/abs/u.key',
      tokenFile: '/etc/kube/tok',
    });
    expect(config.users.get('path-exec')?.value.exec?.command).toBe('/etc/kube/one/bin/plugin');
    expect(config.users.get('bare-exec')?.value.exec?.command).toBe('kubelogin');
  });

  it('reads impersonation, exec and auth-provider stanzas', () => {
    const config = parse(
      [
        'users:',
        '- name: u',
        '  user:',
        '    as: alice',
        '    as-uid: "42"',
        '    as-groups: [dev, ops]',
        '    as-user-extra: {scopes: [a, b]}',
        '    auth-provider: {name: oidc, config: {id-token: secret}}',
        '    exec:',
        '      command: plugin',
        '      args: [--flag, "no"]',
        '      env: [{name: A, value: 1}]',
        '      apiVersion: client.authentication.k8s.io/v1',
        '      provideClusterInfo: yes',
        '      interactiveMode: Never',
        '      installHint: brew install plugin',
      ].join('\n'),
    );
    const user = config.users.get('u')?.value;
    expect(user).toMatchObject({
      as: 'alice',
      asUid: '42',
      asGroups: ['dev', 'ops'],
      asUserExtra: { scopes: ['a', 'b'] },
      authProvider: 'oidc',
      exec: {
        command: 'plugin',
        args: ['--flag', 'no'],
        env: [{ name: 'A', value: '1' }],
        provideClusterInfo: true,
        interactiveMode: 'Never',
        installHint: 'brew install plugin',
      },
    });
    expect(JSON.stringify(user)).not.toContain('secret');
  });
});

describe('mergeKubeconfigs', () => {
  const first = parse(
    [
      'current-context: one',
      'clusters: [{name: shared, cluster: {server: https://first}}]',
      'users: [{name: red-user, user: {token: first-token}}]',
      'contexts: [{name: one, context: {cluster: shared, user: red-user}}]',
    ].join('\n'),
    '/a/config',
  );
  const second = parse(
    [
      'current-context: two',
      'clusters: [{name: shared, cluster: {server: https://second, proxy-url: http://p}}, {name: extra, cluster: {server: https://extra}}]',
      'users: [{name: red-user, user: {token: second-token, as: bob}}]',
      'contexts: [{name: two, context: {cluster: extra}}]',
    ].join('\n'),
    '/b/config',
  );

  it('keeps the first definition of each name, whole, and the first current-context', () => {
    const merged = mergeKubeconfigs([first, second]);
    expect(merged.currentContext).toEqual({ name: 'one', source: '/a/config' });
    expect(merged.clusters.get('shared')?.value.server).toBe('https://first');
    expect(merged.clusters.get('shared')?.value.proxyUrl).toBeUndefined();
    expect(merged.clusters.get('extra')?.source).toBe('/b/config');
    expect(merged.users.get('red-user')?.value).toMatchObject({ token: 'first-token', as: undefined });
    expect([...merged.contexts.keys()]).toEqual(['one', 'two']);
  });

  it('takes current-context from a later file when earlier ones do not set it', () => {
    const none = parse('clusters: []\n', '/z/config');
    expect(mergeKubeconfigs([none, second, first]).currentContext?.name).toBe('two');
  });
});

describe('kubeconfigFromObject', () => {
  it('reads a parsed file-shaped object (real booleans, kebab-case keys)', () => {
    const config = kubeconfigFromObject(
      {
        'current-context': 'x',
        clusters: [{ name: 'c', cluster: { server: 'https://h/', 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u', namespace: 'ns' } }],
      },
      'kubeconfig option',
    );
    expect(config.currentContext?.name).toBe('x');
    expect(config.clusters.get('c')?.value.insecureSkipTlsVerify).toBe(true);
    expect(config.users.get('u')?.value.token).toBe('t');
  });

  it('reads a @kubernetes/client-node KubeConfig structurally (flat entries, nulls)', () => {
    class FakeKubeConfig {
      clusters = [
        {
          name: 'c',
          server: 'https://h',
          caData: 'Q0E=',
          caFile: null,
          skipTLSVerify: false,
          tlsServerName: 'api.local',
          proxyUrl: 'socks5://p:1080',
        },
      ];
      users = [
        {
          name: 'u',
          certData: 'Y2VydA==',
          keyData: 'a2V5',
          token: null,
          username: null,
          password: null,
          certFile: null,
          keyFile: null,
          exec: null,
          authProvider: null,
          impersonateUser: 'alice',
        },
        {
          name: 'e',
          exec: { command: 'plugin', apiVersion: 'client.authentication.k8s.io/v1beta1', provideClusterInfo: true },
        },
      ];
      contexts = [{ name: 'x', cluster: 'c', user: 'u', namespace: 'team' }];
      currentContext = 'x';
      getCurrentContext(): string {
        return this.currentContext;
      }
    }
    const config = kubeconfigFromObject(new FakeKubeConfig(), 'kubeconfig option');
    expect(config.currentContext?.name).toBe('x');
    expect(config.clusters.get('c')?.value).toMatchObject({
      server: 'https://h',
      certificateAuthorityData: 'Q0E=',
      tlsServerName: 'api.local',
      proxyUrl: 'socks5://p:1080',
      insecureSkipTlsVerify: false,
    });
    expect(config.users.get('u')?.value).toMatchObject({
      clientCertificateData: 'Y2VydA==',
      clientKeyData: 'a2V5',
      as: 'alice',
    });
    expect(config.users.get('e')?.value.exec).toMatchObject({ command: 'plugin', provideClusterInfo: true });
    expect(config.contexts.get('x')?.value).toEqual({ cluster: 'c', user: 'u', namespace: 'team' });
  });
});
