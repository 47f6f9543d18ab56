/**
 * Kubeconfig documents → one merged kubeconfig, by client-go's rules (tools/clientcmd/loader.go):
 * the first file to define a cluster, user or context name wins (the whole entry), the first
 * `current-context` wins, an empty file is an empty config, and relative paths resolve against the
 * directory of the file that defined the stanza. Pure: files are read by load-config.ts.
 */
import { isAbsolute, join, sep } from 'node:path';
import { ConfigError } from '../errors.ts';
import { fromClientNode, isClientNodeShape, type ClientNodeKubeConfig } from './kubeconfig-client-node.ts';
import { optBool, optList, optMap, optString, optStringList, type FieldRef } from './yaml-coerce.ts';

export type { ClientNodeKubeConfig } from './kubeconfig-client-node.ts';

/** A `cluster` stanza with client-go's types. */
export interface ClusterEntry {
  server?: string;
  tlsServerName?: string;
  insecureSkipTlsVerify: boolean;
  certificateAuthority?: string;
  certificateAuthorityData?: string;
  proxyUrl?: string;
  disableCompression: boolean;
  /** `extension` of the `client.authentication.k8s.io/exec` entry, handed to exec plugins as `config`. */
  execExtension?: unknown;
}

/** A `user.exec` stanza, unvalidated. */
export interface ExecEntry {
  command?: string;
  args: string[];
  env: { name: string; value: string }[];
  apiVersion?: string;
  installHint?: string;
  provideClusterInfo: boolean;
  interactiveMode?: string;
}

/** A `user` stanza, unvalidated. */
export interface UserEntry {
  clientCertificate?: string;
  clientCertificateData?: string;
  clientKey?: string;
  clientKeyData?: string;
  token?: string;
  tokenFile?: string;
  as?: string;
  asUid?: string;
  asGroups: string[];
  asUserExtra: Record<string, string[]>;
  username?: string;
  password?: string;
  /** Only the provider's name: auth providers are refused, their config is never kept. */
  authProvider?: string;
  exec?: ExecEntry;
}

export interface ContextEntry {
  cluster?: string;
  user?: string;
  namespace?: string;
}

/** An entry with where it was defined, for messages: `source` is the file, `path` e.g. `users[ci].user`. */
export interface Stanza<T> {
  name: string;
  value: T;
  source: string;
  path: string;
}

export interface Kubeconfig {
  clusters: Map<string, Stanza<ClusterEntry>>;
  users: Map<string, Stanza<UserEntry>>;
  contexts: Map<string, Stanza<ContextEntry>>;
  currentContext?: { name: string; source: string };
}

/**
 * A kubeconfig the caller already parsed: the file's YAML shape (`clusters[].cluster` with
 * kebab-case keys), or a `@kubernetes/client-node` `KubeConfig` (read structurally).
 */
export type KubeconfigObject = KubeconfigDocument | ClientNodeKubeConfig;

/** A kubeconfig file's content as parsed YAML or JSON. */
export interface KubeconfigDocument {
  readonly clusters?: readonly { readonly name: string; readonly cluster: object }[] | null;
  readonly users?: readonly { readonly name: string; readonly user: object }[] | null;
  readonly contexts?: readonly { readonly name: string; readonly context: object }[] | null;
  readonly 'current-context'?: string | null;
  readonly [key: string]: unknown;
}

const EXEC_EXTENSION = 'client.authentication.k8s.io/exec';

export const emptyKubeconfig = (): Kubeconfig => ({ clusters: new Map(), users: new Map(), contexts: new Map() });

export const isEmptyKubeconfig = (config: Kubeconfig): boolean =>
  config.clusters.size === 0 && config.users.size === 0 && config.contexts.size === 0;

/** A kubeconfig object given by the caller; relative paths stay relative to the working directory. */
export function kubeconfigFromObject(object: KubeconfigObject, source: string): Kubeconfig {
  if (isClientNodeShape(object)) return fromDocument(fromClientNode(object), { source });
  return fromDocument(object, { source });
}

/** Merges in order: the first definition of a name, and the first `current-context`, win. */
export function mergeKubeconfigs(configs: readonly Kubeconfig[]): Kubeconfig {
  const merged = emptyKubeconfig();
  for (const config of configs) {
    for (const key of ['clusters', 'users', 'contexts'] as const) {
      const into = merged[key] as Map<string, unknown>;
      for (const [name, stanza] of config[key]) if (!into.has(name)) into.set(name, stanza);
    }
    merged.currentContext ??= config.currentContext;
  }
  return merged;
}

/** Where a kubeconfig document came from: relative paths resolve against `baseDir`. */
export interface DocumentContext {
  source: string;
  baseDir?: string;
  typed?: () => Record<string, unknown>;
}

/** A parsed kubeconfig document (file or object shape) → Kubeconfig, every field checked. */
export function fromDocument(raw: Record<string, unknown>, ctx: DocumentContext): Kubeconfig {
  const config = emptyKubeconfig();
  const { source } = ctx;
  const current = optString(raw['current-context'], { source, field: 'current-context' });
  if (current !== undefined) config.currentContext = { name: current, source };
  collect(raw.clusters, 'clusters', 'cluster', config.clusters, ctx, (body, ref, index) =>
    readCluster(body, ref, ctx, index),
  );
  collect(raw.users, 'users', 'user', config.users, ctx, (body, ref) => readUser(body, ref, ctx));
  collect(raw.contexts, 'contexts', 'context', config.contexts, ctx, (body, ref) => ({
    cluster: optString(body.cluster, at(ref, 'cluster')),
    user: optString(body.user, at(ref, 'user')),
    namespace: optString(body.namespace, at(ref, 'namespace')),
  }));
  return config;
}

function collect<T>(
  list: unknown,
  key: string,
  bodyKey: string,
  into: Map<string, Stanza<T>>,
  ctx: DocumentContext,
  read: (body: Record<string, unknown>, ref: FieldRef, index: number) => T,
): void {
  optList(list, { source: ctx.source, field: key }).forEach((item, index) => {
    const entry = optMap(item, { source: ctx.source, field: `${key}[${index}]` }) ?? {};
    const name = optString(entry.name, { source: ctx.source, field: `${key}[${index}].name` }) ?? '';
    const path = `${key}[${name}].${bodyKey}`;
    // client-go's list → map conversion refuses a name twice in one file.
    if (into.has(name)) throw new ConfigError(ctx.source, `${key}[${name}]`, `the name '${name}' is defined twice`);
    const body = optMap(entry[bodyKey], { source: ctx.source, field: path }) ?? {};
    into.set(name, { name, source: ctx.source, path, value: read(body, { source: ctx.source, field: path }, index) });
  });
}

const at = (ref: FieldRef, key: string): FieldRef => ({ source: ref.source, field: `${ref.field}.${key}` });

/** client-go ResolvePaths: relative to the defining file's directory. */
function localPath(value: string | undefined, ctx: DocumentContext): string | undefined {
  if (value === undefined || ctx.baseDir === undefined || isAbsolute(value)) return value;
  return join(ctx.baseDir, value);
}

function readCluster(body: Record<string, unknown>, ref: FieldRef, ctx: DocumentContext, index: number): ClusterEntry {
  const cluster: ClusterEntry = {
    server: optString(body.server, at(ref, 'server')),
    tlsServerName: optString(body['tls-server-name'], at(ref, 'tls-server-name')),
    insecureSkipTlsVerify: optBool(body['insecure-skip-tls-verify'], at(ref, 'insecure-skip-tls-verify')),
    certificateAuthority: localPath(optString(body['certificate-authority'], at(ref, 'certificate-authority')), ctx),
    certificateAuthorityData: optString(body['certificate-authority-data'], at(ref, 'certificate-authority-data')),
    proxyUrl: optString(body['proxy-url'], at(ref, 'proxy-url')),
    disableCompression: optBool(body['disable-compression'], at(ref, 'disable-compression')),
  };
  optList(body.extensions, at(ref, 'extensions')).forEach((item, i) => {
    const extension = optMap(item, at(ref, `extensions[${i}]`));
    if (extension?.name !== EXEC_EXTENSION) return;
    // Take the typed re-parse of a file (failsafe turned its numbers into text); objects are typed already.
    const typedClusters = ctx.typed?.().clusters;
    const typedExtension = Array.isArray(typedClusters)
      ? (typedClusters[index] as { cluster?: { extensions?: { extension?: unknown }[] } } | undefined)?.cluster
          ?.extensions?.[i]?.extension
      : extension.extension;
    cluster.execExtension = typedExtension;
  });
  return cluster;
}

function readUser(body: Record<string, unknown>, ref: FieldRef, ctx: DocumentContext): UserEntry {
  const extra: Record<string, string[]> = {};
  for (const [key, values] of Object.entries(optMap(body['as-user-extra'], at(ref, 'as-user-extra')) ?? {})) {
    extra[key] = optStringList(values, at(ref, `as-user-extra.${key}`));
  }
  const provider = optMap(body['auth-provider'], at(ref, 'auth-provider'));
  const execBody = optMap(body.exec, at(ref, 'exec'));
  return {
    clientCertificate: localPath(optString(body['client-certificate'], at(ref, 'client-certificate')), ctx),
    clientCertificateData: optString(body['client-certificate-data'], at(ref, 'client-certificate-data')),
    clientKey: localPath(optString(body['client-key'], at(ref, 'client-key')), ctx),
    clientKeyData: optString(body['client-key-data'], at(ref, 'client-key-data')),
    token: optString(body.token, at(ref, 'token')),
    tokenFile: localPath(optString(body.tokenFile, at(ref, 'tokenFile')), ctx),
    as: optString(body.as, at(ref, 'as')),
    asUid: optString(body['as-uid'], at(ref, 'as-uid')),
    asGroups: optStringList(body['as-groups'], at(ref, 'as-groups')),
    asUserExtra: extra,
    username: optString(body.username, at(ref, 'username')),
    password: optString(body.password, at(ref, 'password')),
    authProvider:
      provider === undefined ? undefined : (optString(provider.name, at(ref, 'auth-provider.name')) ?? '(unnamed)'),
    exec: execBody === undefined ? undefined : readExec(execBody, at(ref, 'exec'), ctx),
  };
}

function readExec(body: Record<string, unknown>, ref: FieldRef, ctx: DocumentContext): ExecEntry {
  const command = optString(body.command, at(ref, 'command'));
  return {
    // Only a command with a path separator is a path; a bare name is looked up in PATH.
    command: command !== undefined && command.includes(sep) ? localPath(command, ctx) : command,
    args: optStringList(body.args, at(ref, 'args')),
    env: optList(body.env, at(ref, 'env')).map((item, i) => {
      const entry = optMap(item, at(ref, `env[${i}]`)) ?? {};
      const name = optString(entry.name, at(ref, `env[${i}].name`));
      if (name === undefined) throw new ConfigError(ref.source, `${ref.field}.env[${i}].name`, 'must be set');
      return { name, value: optString(entry.value, at(ref, `env[${i}].value`)) ?? '' };
    }),
    apiVersion: optString(body.apiVersion, at(ref, 'apiVersion')),
    installHint: optString(body.installHint, at(ref, 'installHint')),
    provideClusterInfo: optBool(body.provideClusterInfo, at(ref, 'provideClusterInfo')),
    interactiveMode: optString(body.interactiveMode, at(ref, 'interactiveMode')),
  };
}
