/**
 * `loadConfig()`: where kubectl would find its configuration, turned into a ResolvedConfig. Order:
 * the `kubeconfig` option; else KUBECONFIG (merged, missing files skipped); else ~/.kube/config;
 * else, when none of those exist (or they define nothing), the in-cluster service account.
 */
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.ts';
import { ClientCertificate, StaticAuth, TokenFileAuth, basicAuth, staticToken } from './credentials.ts';
import { EXEC_TIMEOUT_MS, ExecPluginAuth, type ExecClusterInfo } from './exec-plugin.ts';
import { inClusterProblem, loadInCluster, type InClusterOptions } from './in-cluster.ts';
import {
  isEmptyKubeconfig,
  kubeconfigFromObject,
  mergeKubeconfigs,
  type Kubeconfig,
  type KubeconfigObject,
} from './kubeconfig.ts';
import { checkLoadConfigOptions } from './options.ts';
import { loadPem, readProblem } from './pem.ts';
import { sealConfig } from './redact.ts';
import { clusterCa, proxyUrl, selectContext, serverUrl, userPlan, type UserPlan } from './resolve.ts';
import type { AuthProvider, ResolvedConfig } from './types.ts';

export type { KubeconfigObject, KubeconfigDocument, ClientNodeKubeConfig } from './kubeconfig.ts';

/**
 * Options of {@link loadConfig}; checked at run time like connect()'s (a ValidationError naming
 * `options.<name>`).
 * @example
 * ```ts
 * const config = await loadConfig({ kubeconfig: '/home/me/.kube/config', context: 'kind-dev', execTimeoutMs: 10_000 });
 * ```
 */
export interface LoadConfigOptions {
  /**
   * A kubeconfig file (must exist), several files (merged like KUBECONFIG, missing ones skipped),
   * or a kubeconfig already parsed (file shape or a `@kubernetes/client-node` `KubeConfig`).
   * @default KUBECONFIG, else ~/.kube/config, else in-cluster
   */
  kubeconfig?: string | readonly string[] | KubeconfigObject;
  /** @default the kubeconfig's `current-context` */
  context?: string;
  /** @default the context's namespace; in a pod POD_NAMESPACE, then the service account's; else `default` */
  namespace?: string;
  /** `true`: only the in-cluster service account; `false`: never. @default used when no kubeconfig is found */
  inCluster?: boolean;
  /** Where KUBECONFIG, HOME, KUBERNETES_SERVICE_* and POD_NAMESPACE are read, and the exec plugin's base environment. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** @default HOME, else os.homedir() */
  homeDir?: string;
  /** An exec plugin still running after this many ms (> 0, ≤ 2^31 − 1) is killed. @default 30000 */
  execTimeoutMs?: number;
  /** Receives exec plugins' stderr. @default written to process.stderr, as kubectl does */
  execStderr?: (text: string) => void;
  /** Token files (and the in-cluster token) are re-read when older than this many ms (> 0, ≤ 2^31 − 1). @default 60000 */
  tokenReloadMs?: number;
  /** The service account's token, ca.crt and namespace. @default /var/run/secrets/kubernetes.io/serviceaccount */
  serviceAccountDir?: string;
  /** Warnings (insecure TLS, `*-data` overriding a file, a token file that failed to reload). @default process.emitWarning */
  warn?: (message: string) => void;
}

const defaultWarn = (message: string): void => process.emitWarning(message, 'KubeEventsWarning');

/**
 * Finds, merges, validates and resolves the configuration by kubectl's rules. Reads every file it
 * needs (CA, client certificate and key, token file) once now, so that mistakes surface here;
 * exec plugins run on the first request.
 *
 * The returned `auth` provider must be `close()`d when done (it may run an exec plugin).
 * `util.inspect` and `JSON.stringify` of the result show no secret.
 *
 * # Errors
 * ValidationError naming the option (`options.execTimeoutMs`) when an option is unknown or wrong.
 * ConfigError naming the file (or option, or `in-cluster`) and the field, e.g.
 * `users[ci].user.client-key`: nothing found, malformed YAML, a missing context/cluster/user,
 * an unreadable file, content that is not PEM, contradictory settings, `auth-provider`.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<ResolvedConfig> {
  checkLoadConfigOptions(options);
  const env = options.env ?? process.env;
  const warn = options.warn ?? defaultWarn;
  const inCluster: InClusterOptions = {
    env,
    serviceAccountDir: options.serviceAccountDir,
    namespace: options.namespace,
    tokenReloadMs: options.tokenReloadMs,
    warn,
  };
  if (options.inCluster === true) return loadInCluster(inCluster);

  const loaded = await findKubeconfig(options, env);
  const nothing = loaded.found.length === 0 || (isEmptyKubeconfig(loaded.config) && options.context === undefined);
  if (options.kubeconfig === undefined && nothing) {
    const problem =
      options.inCluster === false ? 'in-cluster configuration is turned off' : await inClusterProblem(inCluster);
    if (problem === undefined) {
      // client-go warns only when every listed file is missing.
      if (loaded.fromEnv && loaded.found.length === 0) {
        warn(`KUBECONFIG: none of ${loaded.tried.join(', ')} exist; using the in-cluster service account`);
      }
      return loadInCluster(inCluster);
    }
    if (loaded.found.length === 0) {
      throw new ConfigError(
        loaded.source,
        undefined,
        `no kubeconfig found (tried ${loaded.tried.join(', ')}); in-cluster: ${problem}`,
      );
    }
  }
  if (loaded.found.length === 0) {
    throw new ConfigError(loaded.source, undefined, `none of the kubeconfig files exist (${loaded.tried.join(', ')})`);
  }
  return fromKubeconfig(loaded, { options, env, warn });
}

interface Found {
  config: Kubeconfig;
  /** The files (or option) read, for messages. */
  source: string;
  found: string[];
  tried: string[];
  /** The list came from KUBECONFIG. */
  fromEnv?: boolean;
}

async function findKubeconfig(options: LoadConfigOptions, env: NodeJS.ProcessEnv): Promise<Found> {
  const given = options.kubeconfig;
  if (given !== undefined && typeof given === 'object' && !Array.isArray(given)) {
    const source = 'kubeconfig option';
    return {
      config: kubeconfigFromObject(given as KubeconfigObject, source),
      source,
      found: [source],
      tried: [source],
    };
  }
  if (typeof given === 'string') return readFiles([resolve(given)], { mustExist: true });
  if (Array.isArray(given)) return readFiles(pathList(given as readonly string[]), { mustExist: false });
  const fromEnv = pathList((env.KUBECONFIG ?? '').split(delimiter));
  if (fromEnv.length > 0) return { ...(await readFiles(fromEnv, { mustExist: false })), fromEnv: true };
  const home = options.homeDir ?? env.HOME ?? homedir();
  return readFiles([join(home, '.kube', 'config')], { mustExist: false });
}

/** Empty entries ignored, duplicates dropped (client-go's loading rules). */
function pathList(paths: readonly string[]): string[] {
  return [...new Set(paths.filter((p) => p !== '').map((p) => resolve(p)))];
}

async function readFiles(paths: string[], options: { mustExist: boolean }): Promise<Found> {
  const configs: Kubeconfig[] = [];
  const found: string[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      if (missing && !options.mustExist) continue;
      const problem = missing ? 'kubeconfig file not found' : `cannot read the kubeconfig: ${readProblem(error)}`;
      throw new ConfigError(path, undefined, problem, { cause: error });
    }
    // Loaded with the first file read: a pod's service account needs no YAML parser.
    const { parseKubeconfig } = await import('./kubeconfig-file.ts');
    configs.push(parseKubeconfig({ text, path }));
    found.push(path);
  }
  return {
    config: mergeKubeconfigs(configs),
    source: (found.length > 0 ? found : paths).join(delimiter),
    found,
    tried: paths,
  };
}

interface ResolveContext {
  options: LoadConfigOptions;
  env: NodeJS.ProcessEnv;
  warn: (message: string) => void;
}

async function fromKubeconfig(loaded: Found, ctx: ResolveContext): Promise<ResolvedConfig> {
  const { options, warn } = ctx;
  const selection = selectContext({ config: loaded.config, context: options.context, source: loaded.source });
  const { cluster } = selection;
  const caRef = clusterCa(cluster, warn);
  const ca = caRef === undefined ? undefined : await loadPem(caRef);
  const user = userPlan(selection.user, warn);
  const insecure = cluster.value.insecureSkipTlsVerify;
  const server = serverUrl(cluster, { tls: ca !== undefined || user.clientCertificate !== undefined || insecure });
  if (insecure) {
    warn(
      `${cluster.source}: ${cluster.path}: insecure-skip-tls-verify is set; the server's certificate is not checked`,
    );
  }
  const tls = { ca, servername: cluster.value.tlsServerName, insecureSkipTlsVerify: insecure };
  const auth = await authProvider(user, {
    ...ctx,
    userSource: selection.user?.source ?? loaded.source,
    userPath: selection.user?.path ?? 'user',
    cluster: {
      server,
      tlsServerName: tls.servername,
      insecureSkipTlsVerify: insecure,
      certificateAuthorityData: ca,
      proxyUrl: cluster.value.proxyUrl,
      disableCompression: cluster.value.disableCompression,
      config: cluster.value.execExtension,
    },
  });
  return sealConfig({
    server,
    namespace: options.namespace ?? selection.namespace ?? 'default',
    tls,
    proxyUrl: proxyUrl(cluster),
    auth,
    impersonate: user.impersonate,
    origin: `kubeconfig ${loaded.source} (context ${selection.contextName})`,
  });
}

async function authProvider(
  plan: UserPlan,
  ctx: ResolveContext & { userSource: string; userPath: string; cluster: ExecClusterInfo },
): Promise<AuthProvider> {
  const { options, warn } = ctx;
  let certificate: ClientCertificate | undefined;
  if (plan.clientCertificate !== undefined) {
    const { cert, key } = plan.clientCertificate;
    const [certPem, keyPem] = await Promise.all([loadPem(cert), loadPem(key)]);
    certificate = new ClientCertificate({
      cert: certPem,
      key: keyPem,
      certFile: cert.data === undefined ? cert.file : undefined,
      keyFile: key.data === undefined ? key.file : undefined,
      warn,
    });
  }
  const auth = plan.auth;
  switch (auth.kind) {
    case 'none':
      return new StaticAuth({ method: certificate ? 'client-certificate' : 'none', clientCertificate: certificate });
    case 'basic':
      return basicAuth(auth, certificate);
    case 'token': {
      if (auth.tokenFile === undefined) return staticToken(auth.token ?? '', certificate);
      const provider = new TokenFileAuth({
        file: auth.tokenFile,
        token: auth.token,
        reloadMs: options.tokenReloadMs,
        clientCertificate: certificate,
        source: ctx.userSource,
        field: `${ctx.userPath}.tokenFile`,
        warn,
      });
      await provider.load();
      return provider;
    }
    case 'exec':
      return new ExecPluginAuth({
        exec: auth.exec,
        cluster: auth.exec.provideClusterInfo ? ctx.cluster : undefined,
        timeoutMs: options.execTimeoutMs ?? EXEC_TIMEOUT_MS,
        env: ctx.env,
        stderr: options.execStderr,
        source: ctx.userSource,
        field: `${ctx.userPath}.exec`,
      });
  }
}
