/**
 * Exec credential plugins (client-go plugin/pkg/client/auth/exec/exec.go): run the command with
 * `KUBERNETES_EXEC_INFO`, read an ExecCredential from stdout, cache it until its
 * `expirationTimestamp` (none: for the process lifetime), one run at a time, and run again after
 * a 401 unless newer credentials already arrived. A library has no terminal to lend the plugin,
 * so it always runs non-interactively with stdin ignored.
 *
 * Failures at request time are CredentialErrors: retryable when the plugin ran and failed (a
 * non-zero exit, a signal, the timeout, output that is not an ExecCredential or too long: an
 * identity provider's short outage looks like this), not retryable when it could not be started
 * (not installed, not executable). After close() it is not run: ConnectionClosedError. Its
 * stderr (which can hold a device-login code) goes to this process's stderr as it is written,
 * as kubectl does, and is never copied into an error.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { ConnectionClosedError, CredentialError } from '../errors.ts';
import { BaseAuthProvider } from './credentials.ts';
import { hasPemBlock } from './pem.ts';
import { sealCredentials } from './redact.ts';
import type { ExecPlan } from './resolve.ts';
import type { Credentials } from './types.ts';

/** A plugin that has not exited after this long is killed. */
export const EXEC_TIMEOUT_MS = 30_000;
/** Any real ExecCredential is far smaller; more means a confused plugin. */
const STDOUT_LIMIT_BYTES = 1024 * 1024;
/** What every failed run's message ends with. */
const RUN_IT_BY_HAND = 'check that the plugin works: run it by hand';

/** The cluster as the plugin sees it in `spec.cluster` (only with `provideClusterInfo: true`). */
export interface ExecClusterInfo {
  server: string;
  tlsServerName?: string;
  insecureSkipTlsVerify: boolean;
  certificateAuthorityData?: Buffer;
  proxyUrl?: string;
  disableCompression: boolean;
  /** The `client.authentication.k8s.io/exec` cluster extension. */
  config?: unknown;
}

/** Options of {@link ExecPluginAuth}. */
export interface ExecPluginOptions {
  exec: ExecPlan;
  /** Sent in `KUBERNETES_EXEC_INFO` when `exec.provideClusterInfo` is set. */
  cluster?: ExecClusterInfo;
  /** @default EXEC_TIMEOUT_MS (30 s) */
  timeoutMs?: number;
  /** The environment the plugin's own `env` entries are added to. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Receives the plugin's stderr. @default writes to process.stderr, as kubectl does */
  stderr?: (text: string) => void;
  /** @default Date.now */
  now?: () => number;
  /** For messages: the kubeconfig and field, e.g. `users[ci].user.exec`. */
  source: string;
  field: string;
}

interface Cached {
  credentials: Credentials;
  expiresAt: number | undefined;
}

/**
 * An AuthProvider backed by an exec credential plugin. `credentials()` rejects with a
 * CredentialError (`retryable` when the plugin ran and failed) or, after `close()`, a
 * ConnectionClosedError.
 * @example
 * ```ts
 * const auth = new ExecPluginAuth({ exec: plan, source: '/home/me/.kube/config', field: 'users[ci].user.exec' });
 * const { authorization } = await auth.credentials(); // runs the plugin once, then uses its cache
 * auth.close();
 * ```
 */
export class ExecPluginAuth extends BaseAuthProvider {
  readonly method = 'exec';
  #cached: Cached | undefined;
  #running: Promise<Cached> | undefined;
  #child: ChildProcess | undefined;
  #closed = false;
  readonly #options: ExecPluginOptions;

  constructor(options: ExecPluginOptions) {
    super();
    this.#options = options;
  }

  async credentials(): Promise<Credentials> {
    const cached = this.#cached;
    if (cached !== undefined && !this.#expired(cached)) return cached.credentials;
    return (await this.#runOnce()).credentials;
  }

  /**
   * Runs the plugin again unless credentials newer than `used` are cached or on their way.
   * Rejects with the plugin's failure (a CredentialError) when that run fails.
   */
  override async refreshAfterUnauthorized(used: Credentials): Promise<boolean> {
    if (this.#running !== undefined) return !sameCredentials((await this.#running).credentials, used);
    if (this.#cached !== undefined && !sameCredentials(this.#cached.credentials, used)) return true;
    this.#cached = undefined;
    return !sameCredentials((await this.#runOnce()).credentials, used);
  }

  /** Kills a running plugin; it and later calls reject with ConnectionClosedError. */
  override close(): void {
    this.#closed = true;
    this.#child?.kill('SIGKILL');
  }

  /** The JSON given to the plugin in `KUBERNETES_EXEC_INFO`. */
  execInfo(): string {
    const { exec, cluster } = this.#options;
    const spec: Record<string, unknown> = { interactive: false };
    if (exec.provideClusterInfo && cluster !== undefined) {
      spec.cluster = {
        server: cluster.server,
        'tls-server-name': cluster.tlsServerName,
        'insecure-skip-tls-verify': cluster.insecureSkipTlsVerify || undefined,
        'certificate-authority-data': cluster.certificateAuthorityData?.toString('base64'),
        'proxy-url': cluster.proxyUrl,
        'disable-compression': cluster.disableCompression || undefined,
        config: cluster.config,
      };
    }
    return JSON.stringify({ apiVersion: exec.apiVersion, kind: 'ExecCredential', spec });
  }

  #expired(cached: Cached): boolean {
    return cached.expiresAt !== undefined && (this.#options.now ?? Date.now)() >= cached.expiresAt;
  }

  /** Single flight: concurrent callers share one plugin run. */
  #runOnce(): Promise<Cached> {
    this.#running ??= this.#run()
      .then((cached) => (this.#cached = cached))
      .finally(() => (this.#running = undefined));
    return this.#running;
  }

  #run(): Promise<Cached> {
    const { exec, timeoutMs = EXEC_TIMEOUT_MS, source, field } = this.#options;
    const fail = (message: string, options: { retryable: boolean; cause?: unknown }) =>
      new CredentialError(source, field, `exec plugin ${exec.command} ${message}`, options);
    /** A run that failed: it may work next time (an identity provider's outage); the plugin's own stderr says why. */
    const failedRun = (what: string) => fail(`${what}; ${RUN_IT_BY_HAND}`, { retryable: true });
    const closed = () => new ConnectionClosedError('exec plugin', exec.command);
    if (this.#closed) return Promise.reject(closed());
    const env: NodeJS.ProcessEnv = { ...(this.#options.env ?? process.env) };
    for (const { name, value } of exec.env) env[name] = value;
    env.KUBERNETES_EXEC_INFO = this.execInfo();
    const forward = this.#options.stderr ?? ((text: string) => process.stderr.write(text));

    return new Promise<Cached>((resolve, reject) => {
      let settled = false;
      const settle = (error: Error | undefined, result?: Cached): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#child = undefined;
        if (error !== undefined || result === undefined) reject(error ?? failedRun('failed'));
        else resolve(result);
      };
      let child: ChildProcess;
      try {
        child = spawn(exec.command, exec.args, { env, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
      } catch (error) {
        reject(fail('could not be started', { retryable: false, cause: error }));
        return;
      }
      this.#child = child;
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        settle(
          failedRun(
            `did not finish within ${timeoutMs} ms and was stopped (is it waiting for input? it runs without a terminal)`,
          ),
        );
      }, timeoutMs);
      timer.unref();

      const stdout: Buffer[] = [];
      let stdoutBytes = 0;
      // Whether it wrote to stderr, for the message; never what it wrote (a device code, a token).
      let wroteStderr = false;
      child.stdout?.on('data', (chunk: Buffer) => {
        stdoutBytes += chunk.length;
        if (stdoutBytes <= STDOUT_LIMIT_BYTES) stdout.push(chunk);
        else if (child.kill('SIGKILL')) settle(failedRun(`printed more than ${STDOUT_LIMIT_BYTES} bytes`));
      });
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (text: string) => {
        wroteStderr ||= text !== '';
        forward(text);
      });
      child.on('error', (error: NodeJS.ErrnoException) => {
        if (this.#closed) return settle(closed());
        if (error.code === 'ENOENT') {
          const hint = exec.installHint !== undefined ? `\n\n${exec.installHint}` : '';
          settle(fail(`was not found (is it installed and on PATH?)${hint}`, { retryable: false, cause: error }));
        } else {
          const advice = error.code === 'EACCES' ? ' (is it executable?)' : '';
          settle(
            fail(`could not be started: ${error.code ?? error.message}${advice}`, { retryable: false, cause: error }),
          );
        }
      });
      child.on('close', (code, signal) => {
        if (this.#closed) return settle(closed());
        if (code !== 0) {
          const how = code === null ? `was killed by ${signal ?? 'a signal'}` : `exited with code ${code}`;
          const where = wroteStderr ? "its stderr went to this process's stderr" : 'it wrote nothing to stderr';
          return settle(failedRun(`${how} (${where})`));
        }
        const parsed = parseExecCredential(Buffer.concat(stdout).toString('utf8'), exec.apiVersion);
        if (typeof parsed === 'string') return settle(failedRun(parsed));
        settle(undefined, parsed);
      });
    });
  }

  protected override describe(): Record<string, unknown> {
    const { exec } = this.#options;
    return { command: exec.command, apiVersion: exec.apiVersion, cached: this.#cached !== undefined };
  }
}

/** The credentials in a plugin's stdout, or what is wrong with it (never quoting the output). */
export function parseExecCredential(stdout: string, apiVersion: string): Cached | string {
  let value: unknown;
  try {
    value = JSON.parse(stdout);
  } catch {
    return 'printed something that is not JSON; it must print an ExecCredential';
  }
  const object = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  if (object.kind !== 'ExecCredential') return 'did not print an ExecCredential (kind is missing or wrong)';
  if (object.apiVersion !== apiVersion) {
    const got = typeof object.apiVersion === 'string' ? object.apiVersion.slice(0, 100) : 'none';
    return `returned apiVersion ${got}, but the kubeconfig asks for ${apiVersion}`;
  }
  const status = object.status;
  if (typeof status !== 'object' || status === null) return 'returned no status';
  const {
    token,
    clientCertificateData: cert,
    clientKeyData: key,
    expirationTimestamp,
  } = status as Record<string, unknown>;
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  if ((text(cert) === undefined) !== (text(key) === undefined)) {
    return 'returned only one of clientCertificateData and clientKeyData; both are needed';
  }
  if (text(token) === undefined && text(cert) === undefined) {
    return 'returned neither a token nor a client certificate and key';
  }
  const credentials: Credentials = {};
  if (text(token) !== undefined) credentials.authorization = `Bearer ${text(token) ?? ''}`;
  if (text(cert) !== undefined && text(key) !== undefined) {
    const pair = { cert: Buffer.from(text(cert) ?? ''), key: Buffer.from(text(key) ?? '') };
    if (!hasPemBlock(pair.cert) || !hasPemBlock(pair.key))
      return 'returned a client certificate or key that is not PEM';
    credentials.clientCertificate = pair;
  }
  let expiresAt: number | undefined;
  if (expirationTimestamp !== undefined && expirationTimestamp !== null) {
    expiresAt = typeof expirationTimestamp === 'string' ? Date.parse(expirationTimestamp) : Number.NaN;
    if (Number.isNaN(expiresAt)) return 'returned an expirationTimestamp that is not an RFC 3339 time';
  }
  return { credentials: sealCredentials(credentials), expiresAt };
}

function sameCredentials(a: Credentials, b: Credentials): boolean {
  const ca = a.clientCertificate;
  const cb = b.clientCertificate;
  const sameCert =
    ca === cb || (ca !== undefined && cb !== undefined && ca.cert.equals(cb.cert) && ca.key.equals(cb.key));
  return a.authorization === b.authorization && sameCert;
}
