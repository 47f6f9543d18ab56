/**
 * Auth providers for the kubeconfig methods that need no plugin: a static token, a token file
 * re-read like client-go's cached file token source, basic auth, and a client certificate
 * (re-read from its files like transport/cert_rotation.go). Exec plugins are in exec-plugin.ts.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError, CredentialError } from '../errors.ts';
import { hasPemBlock, readProblem } from './pem.ts';
import { inspectSymbol, sealCredentials } from './redact.ts';
import type { AuthProvider, Credentials } from './types.ts';

/** Token files are re-read when the last read is older than this (client-go: 1 min less 10 s leeway). */
export const TOKEN_RELOAD_MS = 60_000;
/** Client certificate and key files are re-read when the last read is older than this. */
export const CERTIFICATE_RELOAD_MS = 5 * 60_000;

type Warn = (message: string) => void;

/** Shared: redacted `util.inspect` / `JSON.stringify`, and the no-op parts of the contract. */
export abstract class BaseAuthProvider implements AuthProvider {
  abstract readonly method: AuthProvider['method'];
  abstract credentials(): Promise<Credentials>;
  /** Only sources that can change (files, plugins) can help after a 401. */
  refreshAfterUnauthorized(_used: Credentials): Promise<boolean> {
    return Promise.resolve(false);
  }
  close(): void {
    // Nothing to release: providers read lazily and keep no timers.
  }
  /** What may be shown: never a secret. */
  protected describe(): Record<string, unknown> {
    return {};
  }
  toJSON(): Record<string, unknown> {
    return { method: this.method, ...this.describe() };
  }
  [inspectSymbol](): string {
    return `AuthProvider ${JSON.stringify(this.toJSON())}`;
  }
}

/** Options of {@link ClientCertificate}. */
export interface ClientCertificateOptions {
  cert: Buffer;
  key: Buffer;
  /** Re-read from here every `reloadMs` when set (the kubeconfig named a file, not data). */
  certFile?: string;
  keyFile?: string;
  /** @default CERTIFICATE_RELOAD_MS (5 min) */
  reloadMs?: number;
  /** @default Date.now */
  now?: () => number;
  warn?: Warn;
}

/** A client certificate and key; the same object is returned until the files' content changes. */
export class ClientCertificate {
  #current: { cert: Buffer; key: Buffer };
  #loadedAt: number;
  #reading: Promise<void> | undefined;
  readonly #options: ClientCertificateOptions;

  constructor(options: ClientCertificateOptions) {
    this.#options = options;
    this.#current = { cert: options.cert, key: options.key };
    this.#loadedAt = (options.now ?? Date.now)();
  }

  async get(): Promise<{ cert: Buffer; key: Buffer }> {
    const { certFile, keyFile, reloadMs = CERTIFICATE_RELOAD_MS, now = Date.now } = this.#options;
    if ((certFile !== undefined || keyFile !== undefined) && now() - this.#loadedAt >= reloadMs) {
      this.#reading ??= this.#reload().finally(() => (this.#reading = undefined));
      await this.#reading;
    }
    return this.#current;
  }

  async #reload(): Promise<void> {
    const { certFile, keyFile, now = Date.now, warn } = this.#options;
    this.#loadedAt = now();
    try {
      const [cert, key] = await Promise.all([
        certFile === undefined ? this.#current.cert : readFile(certFile),
        keyFile === undefined ? this.#current.key : readFile(keyFile),
      ]);
      if (!hasPemBlock(cert) || !hasPemBlock(key)) throw new Error('no PEM block');
      if (!cert.equals(this.#current.cert) || !key.equals(this.#current.key)) this.#current = { cert, key };
    } catch (error) {
      warn?.(
        `client certificate ${certFile ?? keyFile ?? ''}: reload failed (${readProblem(error)}); keeping the last one`,
      );
    }
  }

  toJSON(): Record<string, unknown> {
    return { certFile: this.#options.certFile, keyFile: this.#options.keyFile, key: '<redacted>' };
  }
  [inspectSymbol](): string {
    return `ClientCertificate ${JSON.stringify(this.toJSON())}`;
  }
}

/** Options of {@link StaticAuth}. */
export interface StaticAuthOptions {
  method: 'none' | 'token' | 'basic' | 'client-certificate';
  /** The `Authorization` header value. */
  authorization?: string;
  clientCertificate?: ClientCertificate;
}

/** Credentials that never change: none, a token, basic auth, and/or a client certificate. */
export class StaticAuth extends BaseAuthProvider {
  readonly method: StaticAuthOptions['method'];
  readonly #authorization: string | undefined;
  readonly #certificate: ClientCertificate | undefined;

  constructor(options: StaticAuthOptions) {
    super();
    this.method = options.method;
    this.#authorization = options.authorization;
    this.#certificate = options.clientCertificate;
  }

  async credentials(): Promise<Credentials> {
    const clientCertificate = await this.#certificate?.get();
    return sealCredentials({ authorization: this.#authorization, clientCertificate });
  }

  protected override describe(): Record<string, unknown> {
    return { clientCertificate: this.#certificate?.toJSON() };
  }
}

/** `Authorization: Bearer <token>`. */
export const staticToken = (token: string, clientCertificate?: ClientCertificate): StaticAuth =>
  new StaticAuth({ method: 'token', authorization: `Bearer ${token}`, clientCertificate });

/** `Authorization: Basic base64(user:password)`. */
export const basicAuth = (
  credentials: { username: string; password: string },
  clientCertificate?: ClientCertificate,
): StaticAuth =>
  new StaticAuth({
    method: 'basic',
    authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`,
    clientCertificate,
  });

/** Options of {@link TokenFileAuth}. */
export interface TokenFileOptions {
  file: string;
  /** A `token` set next to `tokenFile`: used only until the file has been read once. */
  token?: string;
  /** @default TOKEN_RELOAD_MS (60 s) */
  reloadMs?: number;
  /** @default Date.now */
  now?: () => number;
  clientCertificate?: ClientCertificate;
  /** For messages: the kubeconfig (or `in-cluster`) and field, e.g. `users[ci].user.tokenFile`. */
  source: string;
  field: string;
  warn?: Warn;
}

/**
 * A bearer token read from a file (`tokenFile`, the in-cluster service-account token): re-read
 * when older than `reloadMs` and at once after a 401, trimmed; an empty file is an error; when a
 * re-read fails the last good token stays in use. At connect time (`load()`) an unreadable file
 * is a ConfigError; at request time, with no token read yet, a retryable CredentialError (the
 * file may be being rotated, or the volume not yet mounted).
 * @example
 * ```ts
 * const auth = new TokenFileAuth({ file: '/var/run/secrets/kubernetes.io/serviceaccount/token', source: 'in-cluster', field: 'token' });
 * await auth.load();
 * const { authorization } = await auth.credentials(); // 'Bearer …'
 * ```
 */
export class TokenFileAuth extends BaseAuthProvider {
  readonly method = 'token-file';
  #token: string | undefined;
  #readAt = Number.NEGATIVE_INFINITY;
  /** Why the last read gave no token (never the token). */
  #problem: string | undefined;
  #reading: Promise<void> | undefined;
  readonly #options: TokenFileOptions;

  constructor(options: TokenFileOptions) {
    super();
    this.#options = options;
  }

  /**
   * Reads the file now (at connect time). Rejects with a ConfigError naming the file when it is
   * unreadable or empty.
   * @example
   * ```ts
   * await new TokenFileAuth({ file: '/missing', source: '/home/me/.kube/config', field: 'users[ci].user.tokenFile' }).load();
   * // rejects: /home/me/.kube/config: users[ci].user.tokenFile: cannot read the token from /missing: no such file
   * ```
   */
  async load(): Promise<void> {
    await this.#refresh();
    if (this.#token === undefined && this.#problem !== undefined) {
      throw new ConfigError(this.#options.source, this.#options.field, this.#problem);
    }
  }

  /**
   * The token (re-read when older than `reloadMs`).
   * @throws CredentialError (retryable) when no token could be read yet: the file is missing,
   *   unreadable or empty
   * @example
   * ```ts
   * const { authorization } = await auth.credentials(); // 'Bearer …'
   * ```
   */
  async credentials(): Promise<Credentials> {
    const { reloadMs = TOKEN_RELOAD_MS, now = Date.now, source, field } = this.#options;
    if (now() - this.#readAt >= reloadMs) await this.#refresh();
    const token = this.#token ?? this.#options.token;
    if (token === undefined) {
      const problem = this.#problem ?? 'no token has been read';
      throw new CredentialError(source, field, problem, { retryable: true });
    }
    const clientCertificate = await this.#options.clientCertificate?.get();
    return sealCredentials({ authorization: `Bearer ${token}`, clientCertificate });
  }

  /** Re-reads the file unless the token already changed since `used`; true when the token now differs. */
  override async refreshAfterUnauthorized(used: Credentials): Promise<boolean> {
    const differs = () => this.#token !== undefined && `Bearer ${this.#token}` !== used.authorization;
    if (differs()) return true;
    await this.#refresh();
    return differs();
  }

  #refresh(): Promise<void> {
    this.#reading ??= this.#read().finally(() => (this.#reading = undefined));
    return this.#reading;
  }

  async #read(): Promise<void> {
    const { file, source, field, now = Date.now, warn } = this.#options;
    this.#readAt = now();
    let problem: string;
    try {
      const token = (await readFile(file, 'utf8')).trim();
      if (token !== '') {
        this.#token = token;
        this.#problem = undefined;
        return;
      }
      problem = 'the file is empty';
    } catch (error) {
      problem = readProblem(error);
    }
    this.#problem = `cannot read the token from ${file}: ${problem}`;
    if (this.#token !== undefined) warn?.(`${source}: ${field}: ${this.#problem}; keeping the last token read`);
  }

  protected override describe(): Record<string, unknown> {
    return { file: this.#options.file, clientCertificate: this.#options.clientCertificate?.toJSON() };
  }
}
