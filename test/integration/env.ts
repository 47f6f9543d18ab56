/** What integration tests share: the cluster, clients per identity, kubectl, a namespace per file. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { connect, type ConnectOptions, type Connection } from '../../src/connection/index.ts';
import type { EventsApi } from '../../src/events-api.ts';
import type { HarnessInfo } from '../../tools/harness/start.ts';
import { SUITE_LABEL } from './external-cluster.ts';

const run = promisify(execFile);
export type Identity = keyof HarnessInfo['kubeconfigs'];

export function kube() {
  return inject('kube');
}

const opened: Connection[] = [];

/** connect() with one identity's kubeconfig from the harness (the real loader, TLS and auth path). */
export async function connectAs(
  identity: Identity,
  options: ConnectOptions & { info?: HarnessInfo } = {},
): Promise<Connection> {
  const { info = kube().info, ...rest } = options;
  const connection = await connect({ kubeconfig: info.kubeconfigs[identity], rateLimit: false, ...rest });
  opened.push(connection);
  return connection;
}

export async function apiAs(identity: Identity, info?: HarnessInfo): Promise<EventsApi> {
  return (await connectAs(identity, info !== undefined ? { info } : {})).events;
}

/** Closes every connection this test file opened (call from afterAll). */
export async function closeConnections(): Promise<void> {
  await Promise.all(opened.splice(0).map((connection) => connection.close()));
}

/** Runs the harness's kubectl as `identity`; resolves with stdout, rejects with stderr. */
export async function kubectl(args: string[], options: { as?: Identity; info?: HarnessInfo } = {}): Promise<string> {
  const env = kube();
  const info = options.info ?? env.info;
  try {
    const { stdout } = await run(env.kubectl, ['--kubeconfig', info.kubeconfigs[options.as ?? 'admin'], ...args], {
      encoding: 'utf8',
    });
    return stdout;
  } catch (error) {
    const failed = error as { stderr?: string; message: string };
    throw new Error(`kubectl ${args.join(' ')}: ${failed.stderr ?? failed.message}`, { cause: error });
  }
}

/** The user name `identity` authenticates as: `nobody` on the harness, a ServiceAccount's on an external cluster. */
export function userName(identity: Exclude<Identity, 'admin'>): string {
  return kube().userNames[identity];
}

/** A RegExp source matching `text` literally. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Creates a fresh namespace for one test file and returns its name. It is labelled so that the
 * external-cluster teardown removes it. On an external cluster its `default` ServiceAccount is
 * created here rather than awaited from the controller: the ServiceAccount admission plugin
 * refuses Pods until it exists (the harness runs neither).
 */
export async function freshNamespace(prefix: string): Promise<string> {
  const name = `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
  await kubectl(['create', 'namespace', name]);
  await kubectl(['label', 'namespace', name, `${SUITE_LABEL}=integration`]);
  if (kube().external) {
    await kubectl(['create', 'serviceaccount', 'default', '-n', name]).catch((error: unknown) => {
      if (!/AlreadyExists/.test((error as Error).message)) throw error;
    });
  }
  return name;
}
