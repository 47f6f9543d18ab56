/**
 * KUBE_EVENTS_TEST_KUBECONFIG: the integration tests against a cluster of the user's (kind, k3d, a
 * real one). With its admin kubeconfig this creates what the built-in harness has ready-made — the
 * identities events-writer, events-creator and nobody (ServiceAccounts with tokens), cert-writer (a
 * client certificate from the cluster's own signer, through the CertificateSigningRequest API) and
 * their ClusterRoles — writes a kubeconfig for each, and removes it all again at teardown.
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { HarnessInfo } from '../../tools/harness/start.ts';

/** Where every object of this mode lives, and the prefix of every cluster-scoped one. */
export const TEST_NAMESPACE = 'kube-events-test';
/** The label freshNamespace() puts on the namespaces the tests create, so teardown can remove them. */
export const SUITE_LABEL = 'kube-events.test/suite';
/** The client certificate's common name: the user name cert-writer authenticates as. */
export const CERT_WRITER_USER = 'kube-events-test:cert-writer';
const WRITER_ROLE = 'kube-events-test:events-writer';
const CREATOR_ROLE = 'kube-events-test:events-creator';
const READER_ROLE = 'kube-events-test:events-reader';
const TOKEN_SERVICE_ACCOUNTS = ['events-writer', 'events-creator', 'nobody', 'events-reader'] as const;
const WAIT_MS = 30_000;

export interface ExternalClusterOptions {
  /** KUBE_EVENTS_TEST_KUBECONFIG */
  kubeconfig: string;
  /** KUBE_EVENTS_TEST_CONTEXT; the kubeconfig's current context when undefined. */
  context?: string | undefined;
  /** KUBE_EVENTS_TEST_CERT_KUBECONFIG: a client-certificate kubeconfig to use if the cluster issues no certificate. */
  certKubeconfig?: string | undefined;
  kubectl: string;
  log: (line: string) => void;
}

export interface ExternalCluster {
  info: HarnessInfo;
  /** The name each restricted identity authenticates as (it appears in Forbidden messages). */
  userNames: Record<'events-writer' | 'events-creator' | 'cert-writer' | 'nobody', string>;
  /** A bearer token that may read events.k8s.io events everywhere. */
  readToken: string;
  /** A CA certificate that did not sign the cluster's serving certificate. */
  unrelatedCaFile: string;
  /** Best effort: removes everything setup created, in the cluster and on disk. */
  teardown(): Promise<void>;
}

/** What `kubectl config view --raw --minify --flatten -o json` prints (the parts read here). */
interface MinifiedKubeconfig {
  clusters?: { cluster?: { server?: string; 'certificate-authority-data'?: string } }[];
  users?: {
    user?: {
      token?: string;
      tokenFile?: string;
      'client-certificate-data'?: string;
      'client-key-data'?: string;
    };
  }[];
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function exec(command: string, args: string[], input?: string): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

const oneLine = (text: string): string => text.trim().replace(/\s*\n\s*/g, ' | ');
const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));
const base64 = (text: string | Buffer): string => Buffer.from(text).toString('base64');

/** Fails with a one-line message when the file cannot be read. */
function assertReadable(variable: string, file: string, what: string): void {
  let problem: string | undefined;
  try {
    accessSync(file, constants.R_OK);
  } catch (error) {
    problem = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  }
  // Thrown outside the catch: the message says it all, a cause would only add lines.
  if (problem !== undefined)
    throw new Error(`${variable}=${file}: cannot read it (${problem}); it should name ${what}`);
}

function requireOpenssl(): void {
  const result = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  if (result.error !== undefined || result.status !== 0) {
    throw new Error(
      'KUBE_EVENTS_TEST_KUBECONFIG: the openssl CLI is needed to make the cert-writer client certificate and was not found on PATH; install openssl (e.g. apt-get install openssl, brew install openssl) and run again',
    );
  }
}

async function openssl(args: string[]): Promise<void> {
  const result = await exec('openssl', args);
  if (result.code !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${oneLine(result.stderr)}`);
}

function writeKubeconfig(
  file: string,
  cluster: { server: string; caData: string },
  name: string,
  user: Record<string, string>,
): string {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'kube-events-test', cluster: { server: cluster.server, 'certificate-authority-data': cluster.caData } },
    ],
    users: [{ name, user }],
    contexts: [
      { name: `kube-events-test-${name}`, context: { cluster: 'kube-events-test', user: name, namespace: 'default' } },
    ],
    'current-context': `kube-events-test-${name}`,
  };
  // JSON is YAML; 0600 because it holds a credential.
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return file;
}

function manifests(): string {
  const rule = (verbs: string[]) => [{ apiGroups: ['events.k8s.io'], resources: ['events'], verbs }];
  const role = (name: string, verbs: string[]) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name, labels: { [SUITE_LABEL]: 'identities' } },
    rules: rule(verbs),
  });
  const binding = (name: string, role: string, subject: Record<string, string>) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name, labels: { [SUITE_LABEL]: 'identities' } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: [subject],
  });
  const serviceAccount = (name: string) => ({ kind: 'ServiceAccount', name, namespace: TEST_NAMESPACE });
  const items = [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: TEST_NAMESPACE, labels: { [SUITE_LABEL]: 'identities' } },
    },
    ...TOKEN_SERVICE_ACCOUNTS.map((name) => ({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name, namespace: TEST_NAMESPACE },
    })),
    role(WRITER_ROLE, ['create', 'patch']),
    role(CREATOR_ROLE, ['create']),
    role(READER_ROLE, ['get', 'list', 'watch']),
    binding(WRITER_ROLE, WRITER_ROLE, serviceAccount('events-writer')),
    binding(CREATOR_ROLE, CREATOR_ROLE, serviceAccount('events-creator')),
    binding(READER_ROLE, READER_ROLE, serviceAccount('events-reader')),
  ];
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
}

const serviceAccountUser = (name: string): string => `system:serviceaccount:${TEST_NAMESPACE}:${name}`;

export async function setupExternalCluster(options: ExternalClusterOptions): Promise<ExternalCluster> {
  const started = Date.now();
  const { log } = options;
  const given = resolve(options.kubeconfig);
  assertReadable(
    'KUBE_EVENTS_TEST_KUBECONFIG',
    given,
    "your cluster's admin kubeconfig (or unset it to use the built-in kube-apiserver)",
  );
  // Before anything is created: the certificate and the unrelated CA are made with openssl.
  requireOpenssl();
  const contextArgs = options.context !== undefined && options.context !== '' ? ['--context', options.context] : [];
  const dir = mkdtempSync(join(tmpdir(), 'kube-events-external-'));
  /** Cleanup steps, run in reverse order at teardown. */
  const undo: { what: string; run: () => Promise<void> }[] = [
    { what: `remove ${dir}`, run: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })) },
  ];

  const kubectl = async (args: string[], input?: string): Promise<string> => {
    const result = await exec(options.kubectl, ['--kubeconfig', given, ...contextArgs, ...args], input);
    if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${oneLine(result.stderr || result.stdout)}`);
    return result.stdout;
  };
  const teardown = async (): Promise<void> => {
    for (const step of undo.splice(0).reverse()) {
      try {
        await step.run();
      } catch (error) {
        log(`teardown: could not ${step.what}: ${(error as Error).message}`);
      }
    }
  };
  const deleting = (what: string, args: string[]) =>
    undo.push({
      what: `delete ${what}`,
      run: async () => {
        await kubectl(['delete', '--ignore-not-found', '--wait=false', ...args]);
      },
    });

  try {
    // 1. The cluster: server, CA, admin's token (if any) and version.
    let view: MinifiedKubeconfig;
    try {
      view = JSON.parse(
        await kubectl(['config', 'view', '--raw', '--minify', '--flatten', '-o', 'json']),
      ) as MinifiedKubeconfig;
    } catch (error) {
      throw new Error(`KUBE_EVENTS_TEST_KUBECONFIG=${given}: not a usable kubeconfig: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const cluster = view.clusters?.[0]?.cluster;
    const server = cluster?.server;
    const caData = cluster?.['certificate-authority-data'];
    if (server === undefined || server === '')
      throw new Error(`KUBE_EVENTS_TEST_KUBECONFIG=${given}: its context names no cluster server`);
    if (caData === undefined || caData === '') {
      throw new Error(
        `KUBE_EVENTS_TEST_KUBECONFIG=${given}: its cluster has no certificate-authority(-data); the tests verify the server against the cluster's CA`,
      );
    }
    const caFile = join(dir, 'ca.crt');
    writeFileSync(caFile, Buffer.from(caData, 'base64'));
    const adminUser = view.users?.[0]?.user ?? {};
    const adminToken =
      adminUser.token ?? (adminUser.tokenFile !== undefined ? readFileSync(adminUser.tokenFile, 'utf8').trim() : '');
    let adminKubeconfig = given;
    if (contextArgs.length > 0) {
      // connect() and kubectl read the file's current context: a copy with only the chosen one.
      adminKubeconfig = join(dir, 'admin.kubeconfig');
      writeFileSync(adminKubeconfig, `${JSON.stringify(view, null, 2)}\n`, { mode: 0o600 });
    }
    const version = (JSON.parse(await kubectl(['get', '--raw', '/version'])) as { gitVersion?: string }).gitVersion;
    if (version === undefined) throw new Error(`${server}/version has no gitVersion`);
    log(`external cluster ${server}, ${version}`);

    // 2. Identities with tokens.
    deleting(`namespace ${TEST_NAMESPACE}`, ['namespace', TEST_NAMESPACE]);
    deleting('the test ServiceAccounts', ['serviceaccount', '-n', TEST_NAMESPACE, ...TOKEN_SERVICE_ACCOUNTS]);
    deleting('the test ClusterRoles', ['clusterrole', WRITER_ROLE, CREATOR_ROLE, READER_ROLE]);
    deleting('the test ClusterRoleBindings', [
      'clusterrolebinding',
      WRITER_ROLE,
      CREATOR_ROLE,
      READER_ROLE,
      CERT_WRITER_USER,
    ]);
    deleting('the namespaces the tests made', ['namespace', '-l', `${SUITE_LABEL}=integration`]);
    // The Recorder test's events about cluster-scoped objects go to default (they would expire anyway).
    deleting('the test events in default', [
      'events.events.k8s.io',
      '-n',
      'default',
      '--field-selector',
      'reportingController=kube-events.test/recorder',
    ]);
    await namespaceNotTerminating(kubectl);
    await kubectl(['apply', '-f', '-'], manifests());
    const tokens: Record<(typeof TOKEN_SERVICE_ACCOUNTS)[number], string> = {
      'events-writer': '',
      'events-creator': '',
      nobody: '',
      'events-reader': '',
    };
    for (const name of TOKEN_SERVICE_ACCOUNTS) {
      tokens[name] = (await kubectl(['create', 'token', name, '-n', TEST_NAMESPACE, '--duration=2h'])).trim();
    }
    const clusterRef = { server, caData };
    const kubeconfig = (name: string, user: Record<string, string>) =>
      writeKubeconfig(join(dir, `${name}.kubeconfig`), clusterRef, name, user);

    // 3. cert-writer: a client certificate.
    const cert = await clientCertificate(options, kubectl, dir, undo);
    const certFile = join(dir, 'cert-writer.crt');
    const keyFile = join(dir, 'cert-writer.key');
    writeFileSync(certFile, cert.certPem);
    writeFileSync(keyFile, cert.keyPem, { mode: 0o600 });
    await kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: CERT_WRITER_USER, labels: { [SUITE_LABEL]: 'identities' } },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: WRITER_ROLE },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: cert.user }],
      }),
    );

    // 4. RBAC in effect.
    await waitForRbac(kubectl, [
      ['create', serviceAccountUser('events-writer')],
      ['patch', serviceAccountUser('events-writer')],
      ['create', serviceAccountUser('events-creator')],
      ['list', serviceAccountUser('events-reader')],
      ['create', cert.user],
      ['patch', cert.user],
    ]);

    const unrelatedCaFile = join(dir, 'unrelated-ca.crt');
    await openssl([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=kube-events-test unrelated CA',
      '-keyout',
      join(dir, 'unrelated-ca.key'),
      '-out',
      unrelatedCaFile,
    ]);

    const info: HarnessInfo = {
      server,
      caFile,
      version,
      stateDir: dir,
      // No harness process, control endpoint, log or known event TTL on an external cluster.
      pid: 0,
      controlUrl: '',
      apiserverLog: '',
      kubeconfigs: {
        admin: adminKubeconfig,
        'events-writer': kubeconfig('events-writer', { token: tokens['events-writer'] }),
        'events-creator': kubeconfig('events-creator', { token: tokens['events-creator'] }),
        nobody: kubeconfig('nobody', { token: tokens.nobody }),
        'cert-writer': kubeconfig('cert-writer', {
          'client-certificate-data': base64(cert.certPem),
          'client-key-data': base64(cert.keyPem),
        }),
      },
      tokens: {
        admin: adminToken,
        'events-writer': tokens['events-writer'],
        'events-creator': tokens['events-creator'],
        nobody: tokens.nobody,
      },
      clientCert: { 'cert-writer': { certFile, keyFile } },
      eventTTL: '',
      startedToReadyMs: Date.now() - started,
    };
    return {
      info,
      userNames: {
        'events-writer': serviceAccountUser('events-writer'),
        'events-creator': serviceAccountUser('events-creator'),
        nobody: serviceAccountUser('nobody'),
        'cert-writer': cert.user,
      },
      readToken: adminToken !== '' ? adminToken : tokens['events-reader'],
      unrelatedCaFile,
      teardown,
    };
  } catch (error) {
    await teardown();
    throw error;
  }
}

type Kubectl = (args: string[], input?: string) => Promise<string>;

/**
 * A key and a certificate for cert-writer, signed by the cluster's kubernetes.io/kube-apiserver-client
 * signer; or, when the cluster issues none and KUBE_EVENTS_TEST_CERT_KUBECONFIG is set, the client
 * certificate of that kubeconfig.
 */
async function clientCertificate(
  options: ExternalClusterOptions,
  kubectl: Kubectl,
  dir: string,
  undo: { what: string; run: () => Promise<void> }[],
): Promise<{ certPem: string; keyPem: string; user: string }> {
  const keyFile = join(dir, 'csr.key');
  const csrFile = join(dir, 'cert-writer.csr');
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile]);
  await openssl(['req', '-new', '-key', keyFile, '-subj', `/CN=${CERT_WRITER_USER}`, '-out', csrFile]);
  // A new name per run: a CSR's request cannot be changed once created.
  const name = `kube-events-test-cert-writer-${Date.now().toString(36)}`;
  undo.push({
    what: `delete CertificateSigningRequest ${name}`,
    run: async () => {
      await kubectl(['delete', 'csr', name, '--ignore-not-found', '--wait=false']);
    },
  });
  await kubectl(
    ['create', '-f', '-'],
    JSON.stringify({
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { name, labels: { [SUITE_LABEL]: 'identities' } },
      spec: {
        request: base64(readFileSync(csrFile)),
        signerName: 'kubernetes.io/kube-apiserver-client',
        usages: ['client auth'],
        expirationSeconds: 7200,
      },
    }),
  );
  await kubectl(['certificate', 'approve', name]);
  const deadline = Date.now() + WAIT_MS;
  let failed = '';
  while (Date.now() < deadline) {
    const printed = (await kubectl(['get', 'csr', name, '-o', 'jsonpath={.status}'])).trim();
    const status = JSON.parse(printed === '' ? '{}' : printed) as {
      certificate?: string;
      conditions?: { type: string; message?: string }[];
    };
    if (status.certificate !== undefined && status.certificate !== '') {
      return {
        certPem: Buffer.from(status.certificate, 'base64').toString('utf8'),
        keyPem: readFileSync(keyFile, 'utf8'),
        user: CERT_WRITER_USER,
      };
    }
    const failure = status.conditions?.find((condition) => condition.type === 'Failed' || condition.type === 'Denied');
    if (failure !== undefined) {
      failed = `${failure.type}: ${failure.message ?? ''}`;
      break;
    }
    await sleep(500);
  }
  const problem =
    failed !== ''
      ? `CertificateSigningRequest ${name} was not issued (${failed})`
      : `the cluster issued no certificate for CertificateSigningRequest ${name} (signer kubernetes.io/kube-apiserver-client) within ${WAIT_MS / 1000} s: it seems to have no signer for it (kube-controller-manager's csrsigning controller)`;
  const fallback = options.certKubeconfig;
  if (fallback === undefined || fallback === '') {
    throw new Error(
      `KUBE_EVENTS_TEST_KUBECONFIG: ${problem}; set KUBE_EVENTS_TEST_CERT_KUBECONFIG to a kubeconfig with a client certificate for this cluster to use that instead`,
    );
  }
  options.log(`${problem}; using the client certificate of KUBE_EVENTS_TEST_CERT_KUBECONFIG=${fallback}`);
  return certificateFromKubeconfig(options.kubectl, fallback);
}

async function certificateFromKubeconfig(
  kubectlBinary: string,
  file: string,
): Promise<{ certPem: string; keyPem: string; user: string }> {
  assertReadable('KUBE_EVENTS_TEST_CERT_KUBECONFIG', file, 'a kubeconfig with a client certificate');
  const result = await exec(kubectlBinary, [
    '--kubeconfig',
    file,
    'config',
    'view',
    '--raw',
    '--minify',
    '--flatten',
    '-o',
    'json',
  ]);
  if (result.code !== 0) throw new Error(`KUBE_EVENTS_TEST_CERT_KUBECONFIG=${file}: ${oneLine(result.stderr)}`);
  const user = (JSON.parse(result.stdout) as MinifiedKubeconfig).users?.[0]?.user ?? {};
  const certData = user['client-certificate-data'];
  const keyData = user['client-key-data'];
  if (certData === undefined || keyData === undefined) {
    throw new Error(`KUBE_EVENTS_TEST_CERT_KUBECONFIG=${file}: its user has no client certificate and key`);
  }
  const certPem = Buffer.from(certData, 'base64').toString('utf8');
  const subject = await exec('openssl', ['x509', '-noout', '-subject', '-nameopt', 'multiline'], certPem);
  const commonName = /commonName\s*=\s*(.+)/.exec(subject.stdout)?.[1]?.trim();
  if (subject.code !== 0 || commonName === undefined) {
    throw new Error(`KUBE_EVENTS_TEST_CERT_KUBECONFIG=${file}: cannot read the certificate's common name`);
  }
  return { certPem, keyPem: Buffer.from(keyData, 'base64').toString('utf8'), user: commonName };
}

/** The previous run's namespace may still be terminating: nothing can be created in it until it is gone. */
async function namespaceNotTerminating(kubectl: Kubectl): Promise<void> {
  const deadline = Date.now() + 2 * WAIT_MS;
  for (;;) {
    const phase = await kubectl([
      'get',
      'namespace',
      TEST_NAMESPACE,
      '--ignore-not-found',
      '-o',
      'jsonpath={.status.phase}',
    ]);
    if (phase.trim() !== 'Terminating') return;
    if (Date.now() > deadline) {
      throw new Error(
        `KUBE_EVENTS_TEST_KUBECONFIG: namespace ${TEST_NAMESPACE} (from an earlier run) is still terminating after ${(2 * WAIT_MS) / 1000} s; wait until it is gone and run again`,
      );
    }
    await sleep(1_000);
  }
}

/** Waits until `kubectl auth can-i` says yes for each (verb, user) on events.events.k8s.io. */
async function waitForRbac(kubectl: Kubectl, checks: [verb: string, user: string][]): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  let pending = checks;
  while (pending.length > 0) {
    const answers = await Promise.all(
      pending.map(([verb, user]) =>
        kubectl(['auth', 'can-i', verb, 'events.events.k8s.io', '-n', 'default', `--as=${user}`]).then(
          (out) => out.trim() === 'yes',
          () => false,
        ),
      ),
    );
    pending = pending.filter((_, i) => answers[i] !== true);
    if (pending.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `KUBE_EVENTS_TEST_KUBECONFIG: RBAC did not take effect within ${WAIT_MS / 1000} s for ${pending.map(([verb, user]) => `${user} ${verb}`).join(', ')}`,
      );
    }
    await sleep(500);
  }
}
