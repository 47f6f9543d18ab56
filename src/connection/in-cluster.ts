/**
 * In-cluster configuration (client-go rest.InClusterConfig): the apiserver from
 * KUBERNETES_SERVICE_HOST/PORT over https, the service account's CA, a token file re-read as it
 * rotates, and the namespace from POD_NAMESPACE, then the service account's namespace file.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../errors.ts';
import { TokenFileAuth } from './credentials.ts';
import { hasPemBlock, readProblem } from './pem.ts';
import { sealConfig } from './redact.ts';
import type { ResolvedConfig } from './types.ts';

/** Where the kubelet mounts the service account's token, CA and namespace. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

const SOURCE = 'in-cluster';

/** Options of {@link loadInCluster}. */
export interface InClusterOptions {
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** @default SERVICE_ACCOUNT_DIR */
  serviceAccountDir?: string;
  /** Overrides POD_NAMESPACE and the namespace file. */
  namespace?: string;
  /** @default TOKEN_RELOAD_MS (60 s) */
  tokenReloadMs?: number;
  /** @default process.emitWarning */
  warn?: (message: string) => void;
}

/** Why in-cluster configuration is impossible here, or undefined when it is possible. */
export async function inClusterProblem(options: InClusterOptions = {}): Promise<string | undefined> {
  const env = options.env ?? process.env;
  const missing = ['KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT'].filter((name) => !env[name]);
  if (missing.length > 0) return `${missing.join(' and ')} not set (not running in a pod?)`;
  const tokenFile = join(options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR, 'token');
  try {
    if ((await stat(tokenFile)).isDirectory()) return `${tokenFile} is a directory`;
  } catch (error) {
    return `service-account token ${tokenFile}: ${readProblem(error)} (is automountServiceAccountToken off?)`;
  }
  return undefined;
}

/** Both variables set and the token file present (client-go inClusterClientConfig.Possible). */
export async function inClusterPossible(options: InClusterOptions = {}): Promise<boolean> {
  return (await inClusterProblem(options)) === undefined;
}

/** `host:port`, IPv6 bracketed (net.JoinHostPort). */
export function joinHostPort(host: string, port: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The in-cluster config. Rejects with a ConfigError when not in a pod or the token is unreadable;
 * a missing or malformed CA is only warned about (client-go logs it) and the system roots apply.
 */
export async function loadInCluster(options: InClusterOptions = {}): Promise<ResolvedConfig> {
  const env = options.env ?? process.env;
  const warn = options.warn ?? ((message: string) => process.emitWarning(message, 'KubeEventsWarning'));
  const dir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const problem = await inClusterProblem(options);
  if (problem !== undefined) throw new ConfigError(SOURCE, undefined, problem);

  const auth = new TokenFileAuth({
    file: join(dir, 'token'),
    reloadMs: options.tokenReloadMs,
    source: SOURCE,
    field: 'token',
    warn,
  });
  await auth.load();

  let ca: Buffer | undefined;
  const caFile = join(dir, 'ca.crt');
  try {
    ca = await readFile(caFile);
    if (!hasPemBlock(ca)) {
      warn(`in-cluster: ${caFile} does not contain a PEM block; using the system's root certificates`);
      ca = undefined;
    }
  } catch (error) {
    warn(`in-cluster: cannot read ${caFile} (${readProblem(error)}); using the system's root certificates`);
  }

  return sealConfig({
    server: `https://${joinHostPort(env.KUBERNETES_SERVICE_HOST ?? '', env.KUBERNETES_SERVICE_PORT ?? '')}`,
    namespace: options.namespace ?? (await podNamespace(env, dir)),
    tls: { ca, insecureSkipTlsVerify: false },
    auth,
    origin: SOURCE,
  });
}

async function podNamespace(env: NodeJS.ProcessEnv, dir: string): Promise<string> {
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  try {
    const namespace = (await readFile(join(dir, 'namespace'), 'utf8')).trim();
    if (namespace !== '') return namespace;
  } catch {
    // No namespace file: the default namespace, as in client-go.
  }
  return 'default';
}
