/**
 * The failure table, row by row, with errors shaped as kube-apiserver v1.37.2 and the connection
 * produce them; then the bounded spells of the `retry-within` rows.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AbortedError,
  ApiError,
  ConfigError,
  ConnectionClosedError,
  CredentialError,
  NetworkError,
  TimeoutError,
  TlsError,
  type ApiErrorDetails,
} from '../../../src/errors.ts';
import {
  CREDENTIAL_SPELL_MS,
  decideFailure,
  FailureSpells,
  FORBIDDEN_SPELL_MS,
} from '../../../src/recorder/failure-policy.ts';
import { FAILURE_TABLE, failureRow, type FailureVerdict } from '../../../src/recorder/failure-table.ts';
import type { StatusCause } from '../../../src/types.ts';

const EVENTS_URL = 'https://k8s.test/apis/events.k8s.io/v1/namespaces/team-a/events';

function apiError(
  status: number,
  reason: string,
  message: string,
  extra: { method?: string; kind?: string; causes?: StatusCause[]; retryAfterSeconds?: number } = {},
): ApiError {
  const causes = extra.causes ?? [];
  const details: ApiErrorDetails = {
    status,
    reason,
    serverMessage: message,
    causes,
    retryAfterSeconds: extra.retryAfterSeconds,
    method: extra.method ?? 'POST',
    url: EVENTS_URL,
    statusObject: {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      message,
      reason,
      code: status,
      details: { name: 'team-a', ...(extra.kind !== undefined ? { kind: extra.kind } : {}), causes },
    },
  };
  return new ApiError(details);
}

const retry: FailureVerdict = { action: 'retry' };
const lose = (reason: string) => ({ action: 'lose', reason });

/** [what, error, verdict]: one case per row of the table, in its order. */
const cases: [string, unknown, unknown][] = [
  ['conn.close()d', new ConnectionClosedError('POST', EVENTS_URL), lose('connection-closed')],
  [
    'an exec plugin that exited 1',
    new CredentialError('kubeconfig', 'users[me].user.exec', 'exec plugin exited with code 1', { retryable: true }),
    { action: 'retry-within', spell: 'credentials', lostAs: 'credentials' },
  ],
  [
    'an exec plugin that is not installed',
    new CredentialError('kubeconfig', 'users[me].user.exec', 'exec plugin was not found', { retryable: false }),
    lose('credentials'),
  ],
  ['TLS', new TlsError('POST', EVENTS_URL, 'CERT_HAS_EXPIRED'), lose('abandoned')],
  ['a reset after the request was sent', new NetworkError('POST', EVENTS_URL, 'ECONNRESET'), retry],
  [
    'a missing namespace',
    apiError(404, 'NotFound', 'namespaces "team-a" not found', { kind: 'namespaces' }),
    lose('namespace-gone'),
  ],
  [
    'a terminating namespace',
    apiError(
      403,
      'Forbidden',
      'events.events.k8s.io "web.1" is forbidden: unable to create new content in namespace team-a because it is being terminated',
      {
        kind: 'events',
        causes: [
          {
            reason: 'NamespaceTerminating',
            message: 'namespace team-a is being terminated',
            field: 'metadata.namespace',
          },
        ],
      },
    ),
    lose('namespace-terminating'),
  ],
  [
    'a webhook denial (400)',
    apiError(400, 'BadRequest', 'admission webhook "deny.example.com" denied the request: no events here'),
    lose('rejected'),
  ],
  [
    'etcd refusing the object',
    apiError(500, 'InternalError', 'etcdserver: request is too large', { method: 'PATCH' }),
    lose('too-large'),
  ],
  [
    'RBAC',
    apiError(
      403,
      'Forbidden',
      'events.events.k8s.io is forbidden: User "x" cannot create resource "events" in API group "events.k8s.io" in the namespace "team-a"',
      { kind: 'events' },
    ),
    { action: 'retry-within', spell: 'forbidden', lostAs: 'forbidden' },
  ],
  [
    '401 after a refresh',
    apiError(401, 'Unauthorized', 'Unauthorized'),
    { action: 'retry-within', spell: 'credentials', lostAs: 'unauthorized' },
  ],
  [
    '422',
    apiError(422, 'Invalid', 'Event.events.k8s.io "web.1" is invalid: note: Too long', { kind: 'Event' }),
    lose('invalid'),
  ],
  [
    'APF 429',
    apiError(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds: 1 }),
    retry,
  ],
  ['503', apiError(503, 'ServiceUnavailable', 'the server is currently unable to handle the request'), retry],
  ['409 on a patch', apiError(409, 'Conflict', 'the object has been modified', { method: 'PATCH' }), retry],
  [
    '404 on a patch',
    apiError(404, 'NotFound', 'events.events.k8s.io "web.1" not found', { method: 'PATCH', kind: 'events' }),
    retry,
  ],
  ['415', apiError(415, 'UnsupportedMediaType', 'the body of the request was in an unknown format'), lose('abandoned')],
];

describe('the failure table', () => {
  it('has one case here per row, in the same order', () => {
    expect(cases.map(([, error]) => failureRow(error).answer)).toEqual(FAILURE_TABLE.map((row) => row.answer));
  });

  it.each(cases)('%s', (_, error, verdict) => {
    expect(failureRow(error).verdict).toEqual(verdict);
  });

  it.each([
    ['a timeout', new TimeoutError('PATCH', EVENTS_URL, 'no answer'), retry],
    ['an abort not by close()', new AbortedError('PATCH', EVENTS_URL, 'aborted'), retry],
    ['a ConfigError at request time', new ConfigError('kubeconfig', undefined, 'no token'), lose('credentials')],
    ['a 403 from a webhook', apiError(403, 'Forbidden', 'admission webhook "w" denied the request'), lose('rejected')],
    [
      'a ValidatingAdmissionPolicy denial',
      apiError(403, 'Forbidden', "ValidatingAdmissionPolicy 'p' with binding 'b' denied request: no"),
      lose('rejected'),
    ],
    ['413', apiError(413, 'RequestEntityTooLarge', 'Request entity too large'), lose('too-large')],
    [
      'a webhook denial with a 500 it chose',
      apiError(500, 'InternalError', 'admission webhook "w" denied the request: quota service says no'),
      lose('rejected'),
    ],
    [
      'an object over the gRPC limit',
      apiError(500, 'InternalError', 'rpc error: trying to send message larger than max (3145728 vs. 2097152)'),
      lose('too-large'),
    ],
    [
      'a webhook that cannot be called (retried: the webhook may come back)',
      apiError(500, 'InternalError', 'Internal error occurred: failed calling webhook "w": connection refused'),
      retry,
    ],
    ['a plain 500', apiError(500, 'InternalError', 'Internal error occurred: etcd leader changed'), retry],
    ['a 404 on a create without namespace details', apiError(404, 'NotFound', '404 page not found'), lose('abandoned')],
    ['what a custom sink throws', new TypeError('boom'), lose('abandoned')],
  ])('also: %s', (_, error, verdict) => {
    expect(failureRow(error).verdict).toEqual(verdict);
  });
});

describe('decideFailure and the bounded spells', () => {
  const context = { failures: 1, draining: false, namespace: 'team-a', nowMs: 0, random: 0 };
  const rbac = (method: string) => apiError(403, 'Forbidden', 'cannot create resource "events"', { method });

  it('retries a 429 no sooner than its Retry-After', () => {
    const decision = decideFailure(
      apiError(429, 'TooManyRequests', 'slow down', { retryAfterSeconds: 5 }),
      context,
      new FailureSpells(),
    );
    expect(decision).toEqual({ action: 'retry', delayMs: 5_000 });
  });

  it('loses a 403 at once when the verb never worked anywhere', () => {
    expect(decideFailure(rbac('POST'), context, new FailureSpells())).toEqual({
      action: 'abandon',
      reason: 'forbidden',
    });
  });

  it('retries 403s in a namespace for FORBIDDEN_SPELL_MS once the verb worked, then loses them', () => {
    const spells = new FailureSpells();
    spells.succeeded('POST', 'team-b');
    expect(decideFailure(rbac('POST'), { ...context, nowMs: 1_000 }, spells).action).toBe('retry');
    const late = decideFailure(rbac('POST'), { ...context, nowMs: 1_000 + FORBIDDEN_SPELL_MS }, spells);
    expect(late).toEqual({ action: 'abandon', reason: 'forbidden' });
  });

  it('never waits past the spell: the last retry falls at its end', () => {
    const spells = new FailureSpells();
    spells.succeeded('POST', 'team-b');
    decideFailure(rbac('POST'), { ...context, nowMs: 0 }, spells);
    const late = decideFailure(
      rbac('POST'),
      { ...context, failures: 8, nowMs: FORBIDDEN_SPELL_MS - 2_000, random: 0.99 },
      spells,
    );
    expect(late).toEqual({ action: 'retry', delayMs: 2_000 });
  });

  it('keeps the 403 spell per namespace: successes elsewhere do not reset it', () => {
    const spells = new FailureSpells();
    spells.succeeded('POST', 'team-b');
    decideFailure(rbac('POST'), { ...context, nowMs: 0 }, spells);
    spells.succeeded('POST', 'team-b');
    expect(decideFailure(rbac('POST'), { ...context, nowMs: FORBIDDEN_SPELL_MS }, spells).action).toBe('abandon');
    // team-b's own spell starts fresh.
    expect(
      decideFailure(rbac('POST'), { ...context, namespace: 'team-b', nowMs: FORBIDDEN_SPELL_MS }, spells).action,
    ).toBe('retry');
  });

  it('a success in the namespace ends its 403 spell', () => {
    const spells = new FailureSpells();
    spells.succeeded('PATCH', 'team-a');
    decideFailure(rbac('PATCH'), { ...context, nowMs: 0 }, spells);
    spells.succeeded('PATCH', 'team-a');
    expect(decideFailure(rbac('PATCH'), { ...context, nowMs: FORBIDDEN_SPELL_MS }, spells).action).toBe('retry');
  });

  it('retries credential failures for CREDENTIAL_SPELL_MS; any success ends the spell', () => {
    const spells = new FailureSpells();
    const outage = new CredentialError('kubeconfig', undefined, 'exec plugin exited with code 1', { retryable: true });
    expect(decideFailure(outage, context, spells).action).toBe('retry');
    expect(decideFailure(outage, { ...context, nowMs: CREDENTIAL_SPELL_MS - 1 }, spells).action).toBe('retry');
    spells.succeeded('PATCH', 'elsewhere');
    expect(decideFailure(outage, { ...context, nowMs: CREDENTIAL_SPELL_MS }, spells).action).toBe('retry');
    expect(decideFailure(outage, { ...context, nowMs: 2 * CREDENTIAL_SPELL_MS }, spells)).toEqual({
      action: 'abandon',
      reason: 'credentials',
    });
  });

  it('a 401 that persists through the credential spell is lost as unauthorized', () => {
    const spells = new FailureSpells();
    const unauthorized = apiError(401, 'Unauthorized', 'Unauthorized');
    expect(decideFailure(unauthorized, context, spells).action).toBe('retry');
    expect(decideFailure(unauthorized, { ...context, nowMs: CREDENTIAL_SPELL_MS }, spells)).toEqual({
      action: 'abandon',
      reason: 'unauthorized',
    });
  });
});

describe('docs/recorder.md', () => {
  /** The second column of the docs' table, as the verdict says it. */
  const says = (verdict: FailureVerdict): string => {
    if (verdict.action === 'retry') return 'retried';
    if (verdict.action === 'lose') return `lost at once: \`${verdict.reason}\``;
    return verdict.spell === 'forbidden'
      ? `retried for ${FORBIDDEN_SPELL_MS / 1000} s of 403s in that namespace, then \`${verdict.lostAs}\``
      : `retried for ${CREDENTIAL_SPELL_MS / 60_000} min of credential failures, then \`${verdict.lostAs}\``;
  };

  it('shows the failure table as the code has it: the same rows, in the same order', () => {
    const page = readFileSync(new URL('../../../docs/recorder.md', import.meta.url), 'utf8');
    const section = page.split('<!-- failure-table:begin -->')[1]?.split('<!-- failure-table:end -->')[0] ?? '';
    const rows = section
      .split('\n')
      .filter((line) => line.startsWith('| ') && !line.startsWith('| answer') && !line.startsWith('| ---'))
      .map((line) =>
        line
          .split('|')
          .slice(1, -1)
          .map((cell) => cell.trim()),
      );
    expect(rows).toEqual(FAILURE_TABLE.map((row) => [row.answer, says(row.verdict)]));
  });
});
