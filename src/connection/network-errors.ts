/**
 * Classifies what undici's request() throws (or its fetch(), which wraps the same errors as `cause`): whether the request can have reached the server (which
 * decides if a non-idempotent verb may be retried) and whether it is a TLS problem (never retried:
 * a configuration error that retrying cannot fix).
 */

/** Codes that mean no byte of the request was written. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_OSSL_)/;

export interface NetworkFailure {
  code: string | undefined;
  sent: boolean;
  tls: boolean;
  /** One line for the error message. */
  detail: string;
}

function codeOf(error: unknown): { code: string | undefined; message: string } {
  let message = '';
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 6; depth++) {
    const { code, cause, message: text } = current as { code?: unknown; cause?: unknown; message?: unknown };
    if (typeof text === 'string' && text !== '' && text !== 'fetch failed') message = text;
    if (typeof code === 'string') return { code, message };
    current = cause;
  }
  return { code: undefined, message };
}

export function classifyNetworkError(error: unknown): NetworkFailure {
  const { code, message } = codeOf(error);
  const tls = code !== undefined && TLS_CODE.test(code);
  const detail = [code, message].filter((part) => part !== undefined && part !== '').join(': ') || String(error);
  return { code, sent: !(tls || (code !== undefined && NOT_SENT.has(code))), tls, detail };
}
