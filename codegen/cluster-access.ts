/**
 * Just enough of a kubeconfig for spec:pull: the chosen context's server, CA and a bearer token
 * or client certificate. The full kubeconfig rules (merging, exec plugins, proxies) belong to
 * src/connection; this reader refuses what it does not support instead of guessing.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';

export interface ClusterAccess {
  server: string;
  ca?: Buffer;
  insecureSkipTlsVerify: boolean;
  token?: string;
  cert?: Buffer;
  key?: Buffer;
  /** The kubeconfig file and context used, for messages. */
  origin: string;
}

export class ClusterAccessError extends Error {
  override name = 'ClusterAccessError';
}

type Named<T> = { name: string } & Record<string, T | undefined>;
interface KubeconfigFile {
  'current-context'?: string;
  contexts?: Named<{ cluster?: string; user?: string }>[];
  clusters?: Named<Record<string, string | boolean | undefined>>[];
  users?: Named<Record<string, unknown>>[];
}

export function defaultKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.KUBECONFIG?.split(delimiter).find((entry) => entry !== '');
  return fromEnv ?? join(homedir(), '.kube', 'config');
}

export function loadClusterAccess(options: { kubeconfig?: string; context?: string } = {}): ClusterAccess {
  const file = resolve(options.kubeconfig ?? defaultKubeconfigPath());
  let config: KubeconfigFile;
  try {
    config = (parse(readFileSync(file, 'utf8')) ?? {}) as KubeconfigFile;
  } catch (error) {
    throw new ClusterAccessError(`kubeconfig ${file}: ${(error as Error).message}`, { cause: error });
  }
  const contextName = options.context ?? config['current-context'];
  if (contextName === undefined || contextName === '') {
    throw new ClusterAccessError(`kubeconfig ${file}: no current-context; pass --context`);
  }
  const find = <T>(list: Named<T>[] | undefined, name: string | undefined, field: string): T => {
    const entry = list?.find((item) => item.name === name)?.[field];
    if (entry === undefined) throw new ClusterAccessError(`kubeconfig ${file}: ${field} "${name}" not found`);
    return entry;
  };
  const context = find(config.contexts, contextName, 'context');
  const cluster = find(config.clusters, context.cluster, 'cluster');
  const user = context.user === undefined ? {} : find(config.users, context.user, 'user');
  const base = dirname(file);
  const readPath = (value: unknown, field: string): Buffer => {
    const path = String(value);
    try {
      return readFileSync(isAbsolute(path) ? path : join(base, path));
    } catch (error) {
      throw new ClusterAccessError(`kubeconfig ${file}: ${field} ${path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  };
  const dataOrFile = (data: unknown, path: unknown, field: string): Buffer | undefined =>
    typeof data === 'string' ? Buffer.from(data, 'base64') : path !== undefined ? readPath(path, field) : undefined;

  if (typeof cluster.server !== 'string') throw new ClusterAccessError(`kubeconfig ${file}: cluster.server missing`);
  for (const unsupported of ['exec', 'auth-provider', 'username']) {
    if (user[unsupported] !== undefined) {
      throw new ClusterAccessError(
        `kubeconfig ${file}: user.${unsupported} is not supported by spec:pull; use a bearer token or client certificate`,
      );
    }
  }
  const token =
    typeof user.token === 'string'
      ? user.token
      : user.tokenFile !== undefined
        ? readPath(user.tokenFile, 'tokenFile').toString('utf8').trim()
        : undefined;
  const access: ClusterAccess = {
    server: cluster.server.replace(/\/+$/, ''),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    origin: `${file} (context ${contextName})`,
  };
  const ca = dataOrFile(
    cluster['certificate-authority-data'],
    cluster['certificate-authority'],
    'certificate-authority',
  );
  const cert = dataOrFile(user['client-certificate-data'], user['client-certificate'], 'client-certificate');
  const key = dataOrFile(user['client-key-data'], user['client-key'], 'client-key');
  if (ca !== undefined) access.ca = ca;
  if (token !== undefined) access.token = token;
  if (cert !== undefined) access.cert = cert;
  if (key !== undefined) access.key = key;
  return access;
}

export interface HttpResult {
  status: number;
  body: Buffer;
}

/** One GET with the kubeconfig's credentials; rejects with a ClusterAccessError naming the server. */
export function getFromCluster(access: ClusterAccess, path: string, timeoutMs = 30_000): Promise<HttpResult> {
  const url = new URL(access.server + path);
  // Plain http is allowed as kubectl allows it (e.g. a local insecure port); TLS options then do nothing.
  const request = url.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise((resolvePromise, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        headers: {
          Accept: 'application/json',
          ...(access.token !== undefined ? { Authorization: `Bearer ${access.token}` } : {}),
        },
        ...(access.ca !== undefined ? { ca: access.ca } : {}),
        ...(access.cert !== undefined ? { cert: access.cert } : {}),
        ...(access.key !== undefined ? { key: access.key } : {}),
        rejectUnauthorized: !access.insecureSkipTlsVerify,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error: NodeJS.ErrnoException) => {
      reject(
        new ClusterAccessError(
          `cannot reach ${access.server} (from ${access.origin}): ${error.code ?? error.message}`,
          {
            cause: error,
          },
        ),
      );
    });
    req.end();
  });
}
