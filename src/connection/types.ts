/**
 * The contract between configuration loading (kubeconfig, in-cluster, credentials, exec plugins)
 * and the transport (TLS agent, ky instance, retries). Loading produces a ResolvedConfig; the
 * transport asks its AuthProvider for credentials before every request.
 */

/** What a request carries to authenticate. */
export interface Credentials {
  /** The full `Authorization` header value, e.g. `Bearer <token>` or `Basic <base64>`; absent for none. */
  authorization?: string;
  /** A client certificate and key (PEM), for mutual TLS. A change makes the transport build a new agent. */
  clientCertificate?: { cert: Buffer; key: Buffer };
}

/** One user's authentication, with the reload rules of its method. */
export interface AuthProvider {
  /** Human-readable method, for messages and `util.inspect`; never a secret. */
  readonly method: 'none' | 'token' | 'token-file' | 'client-certificate' | 'basic' | 'exec';
  /**
   * Credentials for the next request. Cheap when cached: token files are re-read at most every
   * 60 s, exec plugins run only when their credential expired (one run at a time).
   */
  credentials(): Promise<Credentials>;
  /**
   * Called after a 401 for a request sent with `used`. Drops cached credentials that are not
   * newer than `used` (token file re-read, exec plugin re-run) and tells whether retrying once
   * with fresh credentials can help.
   */
  refreshAfterUnauthorized(used: Credentials): Promise<boolean>;
  /** Releases timers and child processes. */
  close(): void;
}

/** TLS settings of a cluster entry (or the in-cluster service account). */
export interface ClusterTls {
  /** PEM CA bundle that replaces the system roots; absent → system roots. */
  ca?: Buffer;
  /** SNI and certificate name check (`tls-server-name`). */
  servername?: string;
  /** `insecure-skip-tls-verify`: no server certificate check (a warning is emitted). */
  insecureSkipTlsVerify: boolean;
}

/** Impersonation (`as`, `as-uid`, `as-groups`, `as-user-extra`), sent as Impersonate-* headers. */
export interface Impersonation {
  user?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** Everything needed to talk to one cluster as one user. */
export interface ResolvedConfig {
  /** The apiserver URL without a trailing slash, e.g. `https://10.0.0.1:443`. */
  server: string;
  /** Default namespace: the context's, `POD_NAMESPACE`/the service-account file in-cluster, else `default`. */
  namespace: string;
  tls: ClusterTls;
  /** `proxy-url` of the cluster entry (http, https or socks5); absent → HTTPS_PROXY/NO_PROXY apply. */
  proxyUrl?: string;
  auth: AuthProvider;
  impersonate?: Impersonation;
  /** Where this came from, for messages: `kubeconfig /home/me/.kube/config (context kind-dev)` or `in-cluster`. */
  origin: string;
}
