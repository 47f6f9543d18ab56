/**
 * API Priority and Fairness for tests: puts one user's requests into a priority level of its own
 * with a tiny concurrency share, so the real apiserver answers 429 once that user has more writes
 * in flight than the level's seats (plus its queue).
 *
 * Seats: the server's concurrency limit (--max-requests-inflight + --max-mutating-requests-inflight,
 * 600 by default; see the harness option `maxRequestsInflight`) is split among the priority levels
 * by nominalConcurrencyShares: seats = ceil(limit × shares / sum of all shares). The built-in levels
 * of v1.37 hold 245 shares (system 30, leader-election 10, node-high 40, workload-high 40,
 * workload-low 100, global-default 20, catch-all 5), so 1 share gives ceil(600/246) = 3 seats, and
 * ceil(150/246) = 1 seat on a server started with 100 + 50. `borrowingLimitPercent: 0` keeps the
 * level from borrowing idle seats of other levels (unset means unlimited borrowing).
 */
import type { Connection } from '../src/connection/index.ts';
import { sleep } from '../src/util/sleep.ts';

const FLOWCONTROL = '/apis/flowcontrol.apiserver.k8s.io/v1';

export interface ThrottleUserOptions {
  /** The user name requests authenticate as (e.g. `events-writer`, see test/apiserver/identities.go). */
  user: string;
  /** Names of the PriorityLevelConfiguration and FlowSchema. @default `kube-events-test-<user>` */
  name?: string;
  /** @default 1 */
  nominalConcurrencyShares?: number;
  /** `reject`: a request with no free seat gets 429 at once; otherwise APF queues it first. @default 'reject' */
  limitResponse?: 'reject' | { queues: number; handSize: number; queueLengthLimit: number };
}

export interface ThrottledUser {
  priorityLevel: string;
  flowSchema: string;
  /** The FlowSchema's uid, as the server reports it in `X-Kubernetes-PF-FlowSchema-UID`. */
  flowSchemaUid: string;
  /** Deletes both objects (the user is then classified as before). */
  remove(): Promise<void>;
}

async function send(admin: Connection, method: string, path: string, json?: unknown): Promise<Record<string, unknown>> {
  const response = await admin.ky(`${admin.baseUrl}${path}`, { method, ...(json !== undefined ? { json } : {}) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/**
 * Creates the priority level and the flow schema (as `admin`, who may write flowcontrol objects)
 * and returns once they exist; call {@link waitUntilClassified} before relying on them.
 */
export async function throttleUser(admin: Connection, options: ThrottleUserOptions): Promise<ThrottledUser> {
  const name = options.name ?? `kube-events-test-${options.user}`;
  const response = options.limitResponse ?? 'reject';
  await send(admin, 'POST', `${FLOWCONTROL}/prioritylevelconfigurations`, {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
    kind: 'PriorityLevelConfiguration',
    metadata: { name },
    spec: {
      type: 'Limited',
      limited: {
        nominalConcurrencyShares: options.nominalConcurrencyShares ?? 1,
        lendablePercent: 0,
        borrowingLimitPercent: 0,
        limitResponse: response === 'reject' ? { type: 'Reject' } : { type: 'Queue', queuing: { ...response } },
      },
    },
  });
  const flowSchema = await send(admin, 'POST', `${FLOWCONTROL}/flowschemas`, {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
    kind: 'FlowSchema',
    metadata: { name },
    spec: {
      priorityLevelConfiguration: { name },
      // Ahead of every built-in schema that could match a plain user (workload-low is 9000, global-default 9900).
      matchingPrecedence: 200,
      distinguisherMethod: { type: 'ByUser' },
      rules: [
        {
          subjects: [{ kind: 'User', user: { name: options.user } }],
          resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true }],
        },
      ],
    },
  });
  const uid = (flowSchema.metadata as { uid?: string } | undefined)?.uid ?? '';
  return {
    priorityLevel: name,
    flowSchema: name,
    flowSchemaUid: uid,
    remove: async () => {
      await send(admin, 'DELETE', `${FLOWCONTROL}/flowschemas/${name}`);
      await send(admin, 'DELETE', `${FLOWCONTROL}/prioritylevelconfigurations/${name}`);
    },
  };
}

/**
 * Resolves once a request sent through `as` is classified into `throttled`'s flow schema (the
 * server names the schema in a response header of every request it classifies; its config
 * controller applies new objects within a second or so). Sends GETs of a namespace, which the user
 * need not be allowed to read: classification happens before authorization.
 */
export async function waitUntilClassified(as: Connection, throttled: ThrottledUser, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen = '';
  while (Date.now() < deadline) {
    const response = await as.ky(`${as.baseUrl}/api/v1/namespaces/default`);
    await response.body?.cancel();
    seen = response.headers.get('X-Kubernetes-PF-FlowSchema-UID') ?? '';
    if (seen === throttled.flowSchemaUid) return;
    await sleep(200);
  }
  throw new Error(
    `requests of ${as.origin} were not classified into FlowSchema ${throttled.flowSchema} within ${timeoutMs} ms (last: "${seen}")`,
  );
}

/** The server's own view of a priority level (seats, in use, waiting), from its APF debug dump. */
export async function priorityLevelDump(admin: Connection, name: string): Promise<string> {
  const response = await admin.ky(`${admin.baseUrl}/debug/api_priority_and_fairness/dump_priority_levels`);
  const lines = (await response.text()).split('\n');
  return [lines[0] ?? '', ...lines.filter((line) => line.startsWith(`${name},`) || line.startsWith(`${name} `))].join(
    '\n',
  );
}
