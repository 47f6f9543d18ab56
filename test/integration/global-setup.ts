/**
 * Starts the real kube-apiserver once per test run (built on first use) and hands its connection
 * info to the tests; or, with KUBE_EVENTS_TEST_KUBECONFIG, points the same tests at that cluster.
 */
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureHarness } from '../../tools/harness/build.ts';
import { startHarness, type HarnessInfo } from '../../tools/harness/start.ts';
import { setupExternalCluster } from './external-cluster.ts';

/** What integration tests get through `inject('kube')`. */
export interface KubeTestEnv {
  /**
   * The harness's ready.json; for an external cluster (see external-cluster.ts) `server`, `caFile`,
   * `version`, `kubeconfigs`, `tokens` (admin's only if its kubeconfig has one, else '') and
   * `clientCert` are real, `stateDir` is a temp dir, and there is no `controlUrl`, `pid` or log.
   */
  info: HarnessInfo;
  kubectl: string;
  /** The version the harness's kubectl was built as (`kubectl version --client` reports it). */
  kubectlVersion: string;
  /** The harness binary, for tests that start a server of their own (short event TTL, restarts). */
  apiserverBinary: string;
  external: boolean;
  /** The user name each restricted identity authenticates as, as Forbidden messages name it. */
  userNames: Record<'events-writer' | 'events-creator' | 'cert-writer' | 'nobody', string>;
  /** A bearer token that may read events.k8s.io events in every namespace (admin's, where it has one). */
  readToken: string;
  /** A CA certificate that did not sign the server's certificate. */
  unrelatedCaFile: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    kube: KubeTestEnv;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = (line: string): void => {
    process.stderr.write(`[integration] ${line}\n`);
  };
  const binaries = await ensureHarness({ log });
  const external = process.env.KUBE_EVENTS_TEST_KUBECONFIG;
  if (external !== undefined && external !== '') {
    const cluster = await setupExternalCluster({
      kubeconfig: external,
      context: process.env.KUBE_EVENTS_TEST_CONTEXT,
      certKubeconfig: process.env.KUBE_EVENTS_TEST_CERT_KUBECONFIG,
      kubectl: binaries.kubectl,
      log,
    });
    log(`identities ready in ${cluster.info.startedToReadyMs} ms`);
    return provide(project, log, () => cluster.teardown(), {
      info: cluster.info,
      kubectl: binaries.kubectl,
      kubectlVersion: binaries.version,
      apiserverBinary: binaries.apiserver,
      external: true,
      userNames: cluster.userNames,
      readToken: cluster.readToken,
      unrelatedCaFile: cluster.unrelatedCaFile,
    });
  }
  log(`starting kube-apiserver ${binaries.version}${binaries.cached ? ' (cached build)' : ''}`);
  const harness = await startHarness(binaries.apiserver);
  log(`ready at ${harness.info.server} in ${harness.info.startedToReadyMs} ms`);
  return provide(project, log, () => harness.stop(), {
    info: harness.info,
    kubectl: binaries.kubectl,
    kubectlVersion: binaries.version,
    apiserverBinary: binaries.apiserver,
    external: false,
    userNames: {
      'events-writer': 'events-writer',
      'events-creator': 'events-creator',
      'cert-writer': 'cert-writer',
      nobody: 'nobody',
    },
    readToken: harness.info.tokens.admin,
    // The harness's client CA signs client certificates, not the serving one.
    unrelatedCaFile: join(harness.info.stateDir, 'pki', 'client-ca.crt'),
  });
}

/** Hands `env` to the tests; the returned teardown (also run on SIGINT/SIGTERM) calls `stop`. */
function provide(
  project: TestProject,
  log: (line: string) => void,
  stop: () => Promise<void>,
  env: KubeTestEnv,
): () => Promise<void> {
  const stopOnSignal = (signal: NodeJS.Signals): void => {
    void stop().finally(() => process.kill(process.pid, signal));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  project.provide('kube', env);
  return async () => {
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
    if (env.external) log('removing the test identities and namespaces from the cluster');
    await stop();
  };
}
