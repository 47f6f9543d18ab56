/**
 * What the Recorder does with a write that failed: one table, read top to bottom, first match wins.
 * Each row is how kube-apiserver v1.37.2 answers an Event create or patch (the handler chain's
 * filters, NamespaceLifecycle and webhook admission, RBAC, validation, etcd) or how the connection
 * fails before or after sending, and what follows from it:
 *
 * - `retry`: waiting fixes it (backoff from schedule.ts, never shorter than a Retry-After).
 * - `retry-within`: waiting may fix it, for a bounded spell (failure-spells.ts): RBAC reloading
 *   after an apiserver restart, an identity provider's short outage; then the series is lost.
 * - `lose`: nothing the Recorder can do makes the write land: the series is lost at once, its
 *   cache slot freed, its count reported with the row's reason.
 *
 * Sources (kubernetes/kubernetes v1.37.2): plugin/pkg/admission/namespace/lifecycle (404 with
 * `details.kind: namespaces` for a missing namespace, 403 with a `NamespaceTerminating` cause while
 * it is deleted, creates only), apiserver/pkg/admission/plugin/webhook/errors (`admission webhook
 * "<name>" denied the request`, 400 unless the webhook sets a code), validating admission policies
 * (`ValidatingAdmissionPolicy '<name>' … denied request`), endpoints/handlers (413 for a body over
 * the limit; an object etcd refuses, `etcdserver: request is too large` or gRPC's `trying to send
 * message larger than max`, is retried once without managedFields, then a 500), apiserver/pkg/server/filters
 * (429 with Retry-After from APF and max-in-flight, and while shutting down), authorization (403
 * naming verb and namespace), authentication (401).
 */
import {
  ApiError,
  ConfigError,
  ConnectionClosedError,
  CredentialError,
  NetworkError,
  TlsError,
  type LostReason,
} from '../errors.ts';

/** Which bounded spell a `retry-within` row counts against (failure-spells.ts). */
export type Spell = 'forbidden' | 'credentials';

export type FailureVerdict =
  | { action: 'retry' }
  | { action: 'retry-within'; spell: Spell; lostAs: LostReason }
  | { action: 'lose'; reason: LostReason };

export interface FailureRow {
  /** What the row matches, as docs/recorder.md's table says it. */
  readonly answer: string;
  readonly matches: (error: unknown) => boolean;
  readonly verdict: FailureVerdict;
}

const api =
  (test: (error: ApiError) => boolean) =>
  (error: unknown): boolean =>
    error instanceof ApiError && test(error);

const retry: FailureVerdict = { action: 'retry' };
const lose = (reason: LostReason): FailureVerdict => ({ action: 'lose', reason });

/** A webhook or a ValidatingAdmissionPolicy said no: the message is the admission plugin's. */
function deniedByAdmission(error: ApiError): boolean {
  const message = error.serverMessage;
  return (
    (message.startsWith('admission webhook "') && message.includes('denied the request')) ||
    (message.startsWith('ValidatingAdmissionPolicy ') && message.includes('denied request'))
  );
}

/** The rows, in the order they are tried. */
export const FAILURE_TABLE: readonly FailureRow[] = [
  {
    answer: 'ConnectionClosedError: the connection was closed with conn.close()',
    matches: (error) => error instanceof ConnectionClosedError,
    verdict: lose('connection-closed'),
  },
  {
    answer: 'CredentialError, retryable: an exec plugin failed or timed out, a token file was unreadable',
    matches: (error) => error instanceof CredentialError && error.retryable,
    verdict: { action: 'retry-within', spell: 'credentials', lostAs: 'credentials' },
  },
  {
    answer: 'ConfigError: credentials that cannot be had (a plugin not installed)',
    matches: (error) => error instanceof ConfigError,
    verdict: lose('credentials'),
  },
  {
    answer: 'TlsError: the server certificate or the client certificate was refused',
    matches: (error) => error instanceof TlsError,
    verdict: lose('abandoned'),
  },
  {
    answer: 'NetworkError, TimeoutError: no answer (before or after the request was sent)',
    matches: (error) => error instanceof NetworkError,
    verdict: retry,
  },
  {
    answer: '404 with details.kind "namespaces": the namespace does not exist',
    matches: api((error) => error.status === 404 && error.statusObject?.details?.kind === 'namespaces'),
    verdict: lose('namespace-gone'),
  },
  {
    answer: '403 with a NamespaceTerminating cause: the namespace is being deleted',
    matches: api(
      (error) => error.status === 403 && error.causes.some((cause) => cause.reason === 'NamespaceTerminating'),
    ),
    verdict: lose('namespace-terminating'),
  },
  {
    answer: 'a denial by an admission webhook or a ValidatingAdmissionPolicy (400 unless it sets a code)',
    matches: api((error) => error.status !== 429 && deniedByAdmission(error)),
    verdict: lose('rejected'),
  },
  {
    answer: '413, or 500 "etcdserver: request is too large" (etcd refused the object)',
    matches: api(
      (error) =>
        error.status === 413 ||
        (error.status === 500 &&
          (error.serverMessage.includes('etcdserver: request is too large') ||
            error.serverMessage.includes('trying to send message larger than max'))),
    ),
    verdict: lose('too-large'),
  },
  {
    answer: '403 Forbidden (RBAC, per verb and namespace)',
    matches: api((error) => error.status === 403),
    verdict: { action: 'retry-within', spell: 'forbidden', lostAs: 'forbidden' },
  },
  {
    answer: '401 Unauthorized after the connection refreshed its credentials',
    matches: api((error) => error.status === 401),
    verdict: { action: 'retry-within', spell: 'credentials', lostAs: 'unauthorized' },
  },
  {
    answer: '400 BadRequest, 422 Invalid: the server rejects the Event',
    matches: api((error) => error.status === 400 || error.status === 422),
    verdict: lose('invalid'),
  },
  {
    answer: '429 TooManyRequests (APF, max-in-flight, a server shutting down), honouring Retry-After',
    matches: api((error) => error.status === 429),
    verdict: retry,
  },
  {
    answer: '500, 503, 504 and other 5xx',
    matches: api((error) => error.status >= 500),
    verdict: retry,
  },
  {
    answer: '409 Conflict or AlreadyExists that the writer could not resolve (a race)',
    matches: api((error) => error.status === 409),
    verdict: retry,
  },
  {
    answer: '404 on a PATCH: the Event vanished between writes (the next write re-creates it)',
    matches: api((error) => error.status === 404 && error.method === 'PATCH'),
    verdict: retry,
  },
  {
    answer: 'any other answer (404 on a create without a namespace, 405, 415 …) or error',
    matches: () => true,
    verdict: lose('abandoned'),
  },
];

/** The first row that matches `error`. */
export function failureRow(error: unknown): FailureRow {
  for (const row of FAILURE_TABLE) if (row.matches(error)) return row;
  // The last row matches everything; this keeps the type honest.
  return FAILURE_TABLE[FAILURE_TABLE.length - 1] as FailureRow;
}
