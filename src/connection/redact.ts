/**
 * Secrets never print: credentials, providers and resolved configs describe themselves to
 * `util.inspect` and `JSON.stringify` with every token, password and key replaced.
 */
import type { Credentials, ResolvedConfig } from './types.ts';

export const REDACTED = '<redacted>';
export const inspectSymbol: unique symbol = Symbol.for('nodejs.util.inspect.custom');

/** `Bearer <redacted>`: keeps the scheme, which helps debugging and is no secret. */
export function redactAuthorization(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const space = value.indexOf(' ');
  return space > 0 ? `${value.slice(0, space)} ${REDACTED}` : REDACTED;
}

/** A redacted picture of credentials. */
export function describeCredentials(credentials: Credentials): Record<string, unknown> {
  return {
    authorization: redactAuthorization(credentials.authorization),
    clientCertificate:
      credentials.clientCertificate === undefined
        ? undefined
        : { cert: `<${credentials.clientCertificate.cert.length} bytes>`, key: REDACTED },
  };
}

/** Attaches non-enumerable inspect/toJSON that redact; the fields themselves stay readable. */
export function sealCredentials(credentials: Credentials): Credentials {
  const view = (): Record<string, unknown> => describeCredentials(credentials);
  Object.defineProperties(credentials, {
    [inspectSymbol]: { value: view },
    toJSON: { value: view },
  });
  return credentials;
}

/** A proxy URL's user information (a password) is a secret too. */
export function redactUrl(value: string | undefined): string | undefined {
  return value?.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, `$1${REDACTED}@`);
}

/** A redacted picture of a resolved config: the CA as its size, the provider's own redacted view. */
export function describeConfig(config: ResolvedConfig): Record<string, unknown> {
  const auth = config.auth as Partial<{ toJSON: () => unknown }> & ResolvedConfig['auth'];
  return {
    server: config.server,
    namespace: config.namespace,
    tls: {
      ca: config.tls.ca === undefined ? undefined : `<${config.tls.ca.length} bytes>`,
      servername: config.tls.servername,
      insecureSkipTlsVerify: config.tls.insecureSkipTlsVerify,
    },
    proxyUrl: redactUrl(config.proxyUrl),
    auth: typeof auth.toJSON === 'function' ? auth.toJSON() : { method: auth.method },
    impersonate: config.impersonate,
    origin: config.origin,
  };
}

/** Attaches non-enumerable inspect/toJSON that redact; spreading the object copies only the fields. */
export function sealConfig(config: ResolvedConfig): ResolvedConfig {
  Object.defineProperties(config, {
    [inspectSymbol]: { value: () => describeConfig(config) },
    toJSON: { value: () => describeConfig(config) },
  });
  return config;
}
