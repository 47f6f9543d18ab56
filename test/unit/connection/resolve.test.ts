import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.ts';
import type { Kubeconfig } from '../../../src/connection/kubeconfig.ts';
import { parseKubeconfig } from '../../../src/connection/kubeconfig-file.ts';
import { clusterCa, proxyUrl, selectContext, serverUrl, userPlan } from '../../../src/connection/resolve.ts';
import { warnings } from './helpers.ts';

const FILE = '/home/me/.kube/config';
const parse = (text: string): Kubeconfig => parseKubeconfig({ text, path: FILE });

function thrown(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('selectContext', () => {
  const config = parse(
    [
      'current-context: dev',
      'clusters: [{name: c1, cluster: {server: https://one}}, {name: c2, cluster: {server: https://two}}]',
      'users: [{name: u1, user: {token: t}}]',
      'contexts:',
      '- {name: dev, context: {cluster: c1, user: u1, namespace: team}}',
      '- {name: anon, context: {cluster: c2}}',
      '- {name: no-cluster, context: {user: u1}}',
      '- {name: lost-cluster, context: {cluster: gone, user: u1}}',
      '- {name: lost-user, context: {cluster: c1, user: ghost}}',
    ].join('\n'),
  );

  it('uses current-context, or the context option', () => {
    const current = selectContext({ config, source: FILE });
    expect([current.contextName, current.cluster.name, current.user?.name, current.namespace]).toEqual([
      'dev',
      'c1',
      'u1',
      'team',
    ]);
    const chosen = selectContext({ config, context: 'anon', source: FILE });
    expect([chosen.contextName, chosen.cluster.name, chosen.user, chosen.namespace]).toEqual([
      'anon',
      'c2',
      undefined,
      undefined,
    ]);
  });

  it.each([
    [
      'an unknown context',
      'nope',
      FILE,
      undefined,
      /context 'nope' \(from the context option\) not found; contexts: dev, anon/,
    ],
    ['a context without cluster', 'no-cluster', FILE, 'contexts[no-cluster].context.cluster', /must be set/],
    ['a missing cluster', 'lost-cluster', FILE, 'contexts[lost-cluster].context.cluster', /cluster 'gone' not found/],
    ['a missing user', 'lost-user', FILE, 'contexts[lost-user].context.user', /user 'ghost' not found/],
  ])('refuses %s, naming file and field', (_name, context, source, field, message) => {
    const error = thrown(() => selectContext({ config, context, source }));
    expect([error.source, error.field]).toEqual([source, field]);
    expect(error.message).toMatch(message);
  });

  it('explains a missing current-context', () => {
    expect(() => selectContext({ config: parse(''), source: 'a:b' })).toThrow(
      /^a:b: the kubeconfig defines no context; pass the context option/,
    );
    expect(() =>
      selectContext({ config: parse('contexts: [{name: x, context: {cluster: c}}]'), source: FILE }),
    ).toThrow(/current-context is not set/);
  });
});

function user(fields: string[]) {
  const config = parse(['users:', '- name: ci', '  user:', ...fields.map((f) => `    ${f}`)].join('\n'));
  return config.users.get('ci');
}

const exec = (...extra: string[]) => ['exec:', '  command: plugin', ...extra.map((e) => `  ${e}`)];

describe('userPlan: one method per user (client-go validation.go)', () => {
  it.each([
    ['no user', undefined, { auth: { kind: 'none' } }],
    ['a token', ['token: abc'], { auth: { kind: 'token', token: 'abc' } }],
    ['a token file', ['tokenFile: /t'], { auth: { kind: 'token', tokenFile: '/t' } }],
    [
      'token and tokenFile',
      ['token: abc', 'tokenFile: /t'],
      { auth: { kind: 'token', token: 'abc', tokenFile: '/t' } },
    ],
    ['basic auth', ['username: me', 'password: pw'], { auth: { kind: 'basic', username: 'me', password: 'pw' } }],
    [
      'a client certificate with a token',
      ['client-certificate: /c.crt', 'client-key: /c.key', 'token: abc'],
      {
        auth: { kind: 'token', token: 'abc' },
        clientCertificate: {
          cert: { file: '/c.crt', field: 'users[ci].user.client-certificate' },
          key: { file: '/c.key', field: 'users[ci].user.client-key' },
        },
      },
    ],
    [
      'exec v1beta1 without interactiveMode',
      exec('apiVersion: client.authentication.k8s.io/v1beta1'),
      { auth: { kind: 'exec', exec: { command: 'plugin', interactiveMode: 'IfAvailable' } } },
    ],
    [
      'exec v1 with Never',
      exec('apiVersion: client.authentication.k8s.io/v1', 'interactiveMode: Never'),
      { auth: { kind: 'exec', exec: { apiVersion: 'client.authentication.k8s.io/v1', interactiveMode: 'Never' } } },
    ],
    [
      'impersonation',
      ['as: alice', 'as-uid: "7"', 'as-groups: [g]', 'as-user-extra: {k: [v]}'],
      { impersonate: { user: 'alice', uid: '7', groups: ['g'], extra: { k: ['v'] } } },
    ],
  ])('accepts %s', (_name, fields, expected) => {
    expect(userPlan(fields === undefined ? undefined : user(fields), () => {})).toMatchObject(expected);
  });

  it.each([
    [
      'token and basic auth',
      ['token: abc', 'username: me'],
      'users[ci].user',
      /more than one authentication method \(token, basic auth\)/,
    ],
    [
      'exec and a token',
      ['tokenFile: /t', ...exec('apiVersion: client.authentication.k8s.io/v1beta1')],
      'users[ci].user',
      /token, exec/,
    ],
    [
      'a certificate without key',
      ['client-certificate-data: Y2VydA=='],
      'users[ci].user.client-key',
      /client-key or client-key-data must be set/,
    ],
    [
      'a key without certificate',
      ['client-key: /k'],
      'users[ci].user.client-certificate',
      /must be set with a client key/,
    ],
    [
      'auth-provider',
      ['auth-provider: {name: oidc, config: {id-token: SECRET}}'],
      'users[ci].user.auth-provider',
      /auth-provider 'oidc' is not supported; use an exec credential plugin such as kubelogin/,
    ],
    [
      'auth-provider with exec',
      ['auth-provider: {name: gcp}', ...exec('apiVersion: client.authentication.k8s.io/v1')],
      'users[ci].user.auth-provider',
      /cannot be combined with exec/,
    ],
    [
      'exec without command',
      ['exec: {apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never}'],
      'users[ci].user.exec.command',
      /must be set/,
    ],
    ['exec without apiVersion', exec(), 'users[ci].user.exec.apiVersion', /must be set/],
    [
      'exec v1alpha1',
      exec('apiVersion: client.authentication.k8s.io/v1alpha1'),
      'users[ci].user.exec.apiVersion',
      /v1alpha1' is not supported/,
    ],
    [
      'exec v1 without interactiveMode',
      exec('apiVersion: client.authentication.k8s.io/v1'),
      'users[ci].user.exec.interactiveMode',
      /must be set for apiVersion v1/,
    ],
    [
      'exec Always',
      exec('apiVersion: client.authentication.k8s.io/v1', 'interactiveMode: Always'),
      'users[ci].user.exec.interactiveMode',
      /needs a terminal/,
    ],
    [
      'exec with a bad mode',
      exec('apiVersion: client.authentication.k8s.io/v1', 'interactiveMode: Sometimes'),
      'users[ci].user.exec.interactiveMode',
      /'Sometimes' is not/,
    ],
    ['as-groups without as', ['as-groups: [g]'], 'users[ci].user.as', /need a user to impersonate/],
  ])('refuses %s', (_name, fields, field, message) => {
    const error = thrown(() => userPlan(user(fields), () => {}));
    expect([error.source, error.field]).toEqual([FILE, field]);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('SECRET');
  });

  it('prefers *-data over the file form, with a warning', () => {
    const { warn, messages } = warnings();
    const plan = userPlan(
      user(['client-certificate: /c', 'client-certificate-data: Y2VydA==', 'client-key: /k', 'client-key-data: a2V5']),
      warn,
    );
    expect(plan.clientCertificate?.cert).toEqual({
      source: FILE,
      field: 'users[ci].user.client-certificate-data',
      data: 'Y2VydA==',
    });
    expect(plan.clientCertificate?.key.data).toBe('a2V5');
    expect(messages).toEqual([
      `${FILE}: users[ci].user: client-certificate-data and client-certificate are both set; client-certificate-data is used`,
      `${FILE}: users[ci].user: client-key-data and client-key are both set; client-key-data is used`,
    ]);
  });
});

const clusterOf = (fields: string[]) =>
  parse(['clusters:', '- name: c', '  cluster:', ...fields.map((f) => `    ${f}`)].join('\n')).clusters.get('c')!;

describe('cluster checks', () => {
  it('refuses a CA together with insecure-skip-tls-verify', () => {
    for (const ca of ['certificate-authority: /ca', 'certificate-authority-data: Q0E=']) {
      const error = thrown(() =>
        clusterCa(clusterOf(['server: https://h', ca, 'insecure-skip-tls-verify: yes']), () => {}),
      );
      expect(error.field).toBe('clusters[c].cluster.insecure-skip-tls-verify');
    }
    expect(clusterCa(clusterOf(['server: https://h', 'insecure-skip-tls-verify: true']), () => {})).toBeUndefined();
  });

  it.each([
    ['https://h:6443/', true, 'https://h:6443'],
    ['https://h:6443/prefix//', true, 'https://h:6443/prefix'],
    ['h:6443', true, 'https://h:6443'],
    ['h:8080', false, 'http://h:8080'],
    ['http://[::1]:8080', false, 'http://[::1]:8080'],
  ])('server %s (tls %s) → %s', (server, tls, expected) => {
    expect(serverUrl(clusterOf([`server: "${server}"`]), { tls })).toBe(expected);
  });

  it.each([
    ['no server', [], 'clusters[c].cluster.server', /must be set/],
    ['a bad scheme', ['server: ftp://h'], 'clusters[c].cluster.server', /scheme must be https or http/],
  ])('refuses %s', (_name, fields, field, message) => {
    const error = thrown(() => serverUrl(clusterOf(fields), { tls: true }));
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it('accepts http, https and socks5 proxies and never echoes one', () => {
    expect(proxyUrl(clusterOf(['proxy-url: socks5://u:p@proxy:1080']))).toBe('socks5://u:p@proxy:1080');
    expect(proxyUrl(clusterOf([]))).toBeUndefined();
    const error = thrown(() => proxyUrl(clusterOf(['proxy-url: ftp://user:hunter2@proxy'])));
    expect(error.field).toBe('clusters[c].cluster.proxy-url');
    expect(error.message).not.toContain('hunter2');
  });
});
