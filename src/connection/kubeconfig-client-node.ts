/**
 * Reads a `@kubernetes/client-node` `KubeConfig` (1.x and 2.x, `src/config_types.ts`) structurally,
 * without depending on that package: its entries are flat (`clusters[].server`, `users[].certFile`)
 * where a kubeconfig file nests them (`clusters[].cluster.server`).
 */

/** A client-node `Cluster`. */
export interface ClientNodeCluster {
  readonly name: string;
  readonly server: string;
  readonly caData?: string | null;
  readonly caFile?: string | null;
  readonly skipTLSVerify?: boolean | null;
  readonly tlsServerName?: string | null;
  readonly proxyUrl?: string | null;
}

/** A client-node `User`; `exec` and `authProvider` are the file's stanzas as parsed. */
export interface ClientNodeUser {
  readonly name: string;
  readonly token?: string | null;
  readonly username?: string | null;
  readonly password?: string | null;
  readonly certData?: string | null;
  readonly certFile?: string | null;
  readonly keyData?: string | null;
  readonly keyFile?: string | null;
  readonly exec?: unknown;
  readonly authProvider?: unknown;
  readonly impersonateUser?: string | null;
}

/** A client-node `Context`. */
export interface ClientNodeContext {
  readonly name: string;
  readonly cluster: string;
  readonly user?: string | null;
  readonly namespace?: string | null;
}

/** The public fields of a client-node `KubeConfig` instance. */
export interface ClientNodeKubeConfig {
  readonly clusters: readonly ClientNodeCluster[];
  readonly users: readonly ClientNodeUser[];
  readonly contexts: readonly ClientNodeContext[];
  readonly currentContext: string;
}

/** Flat entries (or a `currentContext` field) mean client-node; nested ones a kubeconfig file. */
export function isClientNodeShape(object: object): object is ClientNodeKubeConfig {
  const raw = object as Record<string, unknown>;
  if ('current-context' in raw) return false;
  if ('currentContext' in raw || typeof raw.getCurrentContext === 'function') return true;
  const flat = (list: unknown, key: string): boolean =>
    Array.isArray(list) && list.some((entry) => typeof entry === 'object' && entry !== null && !(key in entry));
  return flat(raw.clusters, 'cluster') || flat(raw.users, 'user') || flat(raw.contexts, 'context');
}

/** The same content in the file's shape, read by kubeconfig.ts like any parsed file. */
export function fromClientNode(config: ClientNodeKubeConfig): Record<string, unknown> {
  return {
    'current-context': config.currentContext,
    clusters: (config.clusters ?? []).map((c) => ({
      name: c.name,
      cluster: {
        server: c.server,
        'certificate-authority-data': c.caData,
        'certificate-authority': c.caFile,
        'insecure-skip-tls-verify': c.skipTLSVerify,
        'tls-server-name': c.tlsServerName,
        'proxy-url': c.proxyUrl,
      },
    })),
    users: (config.users ?? []).map((u) => ({
      name: u.name,
      user: {
        token: u.token,
        username: u.username,
        password: u.password,
        'client-certificate-data': u.certData,
        'client-certificate': u.certFile,
        'client-key-data': u.keyData,
        'client-key': u.keyFile,
        exec: u.exec,
        'auth-provider': u.authProvider,
        as: u.impersonateUser,
      },
    })),
    contexts: (config.contexts ?? []).map((c) => ({
      name: c.name,
      context: { cluster: c.cluster, user: c.user, namespace: c.namespace },
    })),
  };
}
