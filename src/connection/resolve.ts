/**
 * A merged kubeconfig → the context's cluster, user and namespace, checked as client-go's
 * validation.go and transport.go check them. Pure: decides what to read and how to authenticate;
 * load-config.ts reads the files.
 */
import { ConfigError } from '../errors.ts';
import type { ClusterEntry, ExecEntry, Kubeconfig, Stanza, UserEntry } from './kubeconfig.ts';
import type { Impersonation } from './types.ts';

/** PEM content from a kubeconfig: base64 `data` (wins) or a `file`; `field` names it in errors. */
export interface PemRef {
  source: string;
  field: string;
  data?: string;
  file?: string;
}

export const EXEC_API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'] as const;
export type ExecApiVersion = (typeof EXEC_API_VERSIONS)[number];

/** A validated exec stanza. `Always` is refused: a library has no terminal for the plugin's prompts. */
export interface ExecPlan {
  command: string;
  args: string[];
  env: { name: string; value: string }[];
  apiVersion: ExecApiVersion;
  installHint?: string;
  provideClusterInfo: boolean;
  interactiveMode: 'Never' | 'IfAvailable';
}

export type AuthPlan =
  | { kind: 'none' }
  | { kind: 'token'; token?: string; tokenFile?: string }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'exec'; exec: ExecPlan };

export interface UserPlan {
  auth: AuthPlan;
  /** Sent at the TLS layer, so it may accompany a token or basic auth (as in client-go). */
  clientCertificate?: { cert: PemRef; key: PemRef };
  impersonate?: Impersonation;
}

export interface Selection {
  contextName: string;
  cluster: Stanza<ClusterEntry>;
  /** Absent when the context names no user: anonymous. */
  user?: Stanza<UserEntry>;
  namespace?: string;
}

/**
 * The context to use: `context` if given, else `current-context`.
 * @param options.source names the kubeconfig files for errors that concern no single entry
 */
export function selectContext(options: { config: Kubeconfig; context?: string; source: string }): Selection {
  const { config, source } = options;
  const name = options.context ?? config.currentContext?.name;
  const from = options.context !== undefined ? 'the context option' : 'current-context';
  if (name === undefined) {
    const what = config.contexts.size === 0 ? 'the kubeconfig defines no context' : 'current-context is not set';
    throw new ConfigError(source, undefined, `${what}; pass the context option or run \`kubectl config use-context\``);
  }
  const context = config.contexts.get(name);
  if (context === undefined) {
    const known = [...config.contexts.keys()].join(', ') || 'none';
    const at = options.context === undefined ? (config.currentContext?.source ?? source) : source;
    throw new ConfigError(at, undefined, `context '${name}' (from ${from}) not found; contexts: ${known}`);
  }
  const { cluster: clusterName, user: userName } = context.value;
  if (clusterName === undefined) throw new ConfigError(context.source, `${context.path}.cluster`, 'must be set');
  const cluster = config.clusters.get(clusterName);
  if (cluster === undefined) {
    throw new ConfigError(context.source, `${context.path}.cluster`, `cluster '${clusterName}' not found`);
  }
  const user = userName === undefined ? undefined : config.users.get(userName);
  if (userName !== undefined && user === undefined) {
    throw new ConfigError(context.source, `${context.path}.user`, `user '${userName}' not found`);
  }
  return { contextName: name, cluster, user, namespace: context.value.namespace };
}

/** The CA to trust; `insecure-skip-tls-verify` with a CA is an error, as in client-go's transport. */
export function clusterCa(cluster: Stanza<ClusterEntry>, warn: (message: string) => void): PemRef | undefined {
  const { value, source, path } = cluster;
  const ca = pemRef(cluster, { data: 'certificate-authority-data', file: 'certificate-authority' }, warn, {
    data: value.certificateAuthorityData,
    file: value.certificateAuthority,
  });
  if (ca !== undefined && value.insecureSkipTlsVerify) {
    throw new ConfigError(
      source,
      `${path}.insecure-skip-tls-verify`,
      'cannot be combined with a certificate authority (a root certificate with the insecure flag is not allowed); remove one of them',
    );
  }
  return ca;
}

/**
 * The server URL without trailing slashes. Without a scheme client-go picks https when TLS is
 * configured (a CA, a client certificate or the insecure flag), else http.
 */
export function serverUrl(cluster: Stanza<ClusterEntry>, options: { tls: boolean }): string {
  const field = `${cluster.path}.server`;
  const raw = cluster.value.server;
  if (raw === undefined) throw new ConfigError(cluster.source, field, 'must be set');
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `${options.tls ? 'https' : 'http'}://${raw}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(cluster.source, field, 'is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(cluster.source, field, `scheme must be https or http, not ${url.protocol}`);
  }
  return text.replace(/\/+$/, '');
}

/** `proxy-url` must be http, https or socks5 (client-go parseProxyURL). Never echoes the URL: it may hold a password. */
export function proxyUrl(cluster: Stanza<ClusterEntry>): string | undefined {
  const raw = cluster.value.proxyUrl;
  if (raw === undefined) return undefined;
  const field = `${cluster.path}.proxy-url`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(cluster.source, field, 'is not a valid URL');
  }
  if (!['http:', 'https:', 'socks5:'].includes(url.protocol)) {
    throw new ConfigError(cluster.source, field, `scheme must be http, https or socks5, not ${url.protocol}`);
  }
  return raw;
}

/** How the user authenticates; one method per user (client-go validateAuthInfo). */
export function userPlan(user: Stanza<UserEntry> | undefined, warn: (message: string) => void): UserPlan {
  if (user === undefined) return { auth: { kind: 'none' } };
  const { value: u, source, path } = user;
  if (u.authProvider !== undefined) {
    const combined = u.exec !== undefined ? ' (and cannot be combined with exec)' : '';
    throw new ConfigError(
      source,
      `${path}.auth-provider`,
      `auth-provider '${u.authProvider}' is not supported${combined}; use an exec credential plugin such as kubelogin (OIDC, Azure) or gke-gcloud-auth-plugin (GKE)`,
    );
  }
  const methods = [
    u.token !== undefined || u.tokenFile !== undefined ? 'token' : undefined,
    u.username !== undefined || u.password !== undefined ? 'basic auth' : undefined,
    u.exec !== undefined ? 'exec' : undefined,
  ].filter((m) => m !== undefined);
  if (methods.length > 1) {
    throw new ConfigError(source, path, `more than one authentication method (${methods.join(', ')}); keep one`);
  }
  const plan: UserPlan = { auth: authPlan(user) };
  const cert = pemRef(user, { data: 'client-certificate-data', file: 'client-certificate' }, warn, {
    data: u.clientCertificateData,
    file: u.clientCertificate,
  });
  const key = pemRef(user, { data: 'client-key-data', file: 'client-key' }, warn, {
    data: u.clientKeyData,
    file: u.clientKey,
  });
  if (cert !== undefined && key === undefined) {
    throw new ConfigError(
      source,
      `${path}.client-key`,
      'client-key or client-key-data must be set with a client certificate',
    );
  }
  if (key !== undefined && cert === undefined) {
    throw new ConfigError(
      source,
      `${path}.client-certificate`,
      'client-certificate or client-certificate-data must be set with a client key',
    );
  }
  if (cert !== undefined && key !== undefined) {
    if (u.exec !== undefined) throw new ConfigError(source, path, 'a client certificate cannot be combined with exec');
    plan.clientCertificate = { cert, key };
  }
  const groups = u.asGroups.length > 0 ? u.asGroups : undefined;
  const extra = Object.keys(u.asUserExtra).length > 0 ? u.asUserExtra : undefined;
  if (u.as === undefined && (u.asUid !== undefined || groups !== undefined || extra !== undefined)) {
    throw new ConfigError(source, `${path}.as`, 'as-uid, as-groups and as-user-extra need a user to impersonate (as)');
  }
  if (u.as !== undefined) plan.impersonate = { user: u.as, uid: u.asUid, groups, extra };
  return plan;
}

function authPlan(user: Stanza<UserEntry>): AuthPlan {
  const u = user.value;
  if (u.token !== undefined || u.tokenFile !== undefined)
    return { kind: 'token', token: u.token, tokenFile: u.tokenFile };
  if (u.username !== undefined || u.password !== undefined) {
    return { kind: 'basic', username: u.username ?? '', password: u.password ?? '' };
  }
  if (u.exec !== undefined) return { kind: 'exec', exec: execPlan(u.exec, user) };
  return { kind: 'none' };
}

function execPlan(exec: ExecEntry, user: Stanza<UserEntry>): ExecPlan {
  const field = `${user.path}.exec`;
  const fail = (key: string, message: string) => new ConfigError(user.source, `${field}.${key}`, message);
  if (exec.command === undefined) throw fail('command', 'must be set for an exec credential plugin');
  const apiVersion = EXEC_API_VERSIONS.find((v) => v === exec.apiVersion);
  if (exec.apiVersion === undefined) throw fail('apiVersion', `must be set: ${EXEC_API_VERSIONS.join(' or ')}`);
  if (apiVersion === undefined) {
    throw fail('apiVersion', `'${exec.apiVersion}' is not supported; use ${EXEC_API_VERSIONS.join(' or ')}`);
  }
  // v1beta1 defaults interactiveMode to IfAvailable; v1 requires it (client-go defaults.go, validation.go).
  const mode = exec.interactiveMode ?? (apiVersion.endsWith('/v1beta1') ? 'IfAvailable' : undefined);
  if (mode === undefined) throw fail('interactiveMode', 'must be set for apiVersion v1: Never or IfAvailable');
  if (mode === 'Always') {
    throw fail(
      'interactiveMode',
      'Always needs a terminal for the plugin to prompt on, which a library cannot give it; log in once in a terminal and set interactiveMode to IfAvailable or Never',
    );
  }
  if (mode !== 'Never' && mode !== 'IfAvailable')
    throw fail('interactiveMode', `'${mode}' is not Never, IfAvailable or Always`);
  return {
    command: exec.command,
    args: exec.args,
    env: exec.env,
    apiVersion,
    installHint: exec.installHint,
    provideClusterInfo: exec.provideClusterInfo,
    interactiveMode: mode,
  };
}

/** `*-data` overrides the file form, with a warning (client-go validation.go). */
function pemRef(
  stanza: Stanza<unknown>,
  keys: { data: string; file: string },
  warn: (message: string) => void,
  values: { data?: string; file?: string },
): PemRef | undefined {
  const { source, path } = stanza;
  if (values.data !== undefined) {
    if (values.file !== undefined)
      warn(`${source}: ${path}: ${keys.data} and ${keys.file} are both set; ${keys.data} is used`);
    return { source, field: `${path}.${keys.data}`, data: values.data };
  }
  if (values.file !== undefined) return { source, field: `${path}.${keys.file}`, file: values.file };
  return undefined;
}
