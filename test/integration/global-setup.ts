/**
 * Starts the real kube-apiserver once per test run (built on first use) and hands its connection
 * info to the tests; or, with KUBE_EVENTS_TEST_KUBECONFIG, points the same tests at that cluster.
 */
import type { TestProject } from 'vitest/node';
import { ensureHarness } from '../harness/build.ts';
import { startHarness, type HarnessInfo } from '../harness/start.ts';

/** What integration tests get through `inject('kube')`. */
export interface KubeTestEnv {
  /** The harness's ready.json; for an external cluster only `kubeconfigs.admin` and `server` are real. */
  info: HarnessInfo;
  kubectl: string;
  /** The harness binary, for tests that start a server of their own (short event TTL). */
  apiserverBinary: string;
  external: boolean;
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
    throw new Error(
      'KUBE_EVENTS_TEST_KUBECONFIG: external clusters need the restricted identities (events-writer, events-creator, nobody, a client certificate) that the harness creates; this mode is not available yet — unset it to use the built-in kube-apiserver',
    );
  }
  log(`starting kube-apiserver ${binaries.version}${binaries.cached ? ' (cached build)' : ''}`);
  const harness = await startHarness(binaries.apiserver);
  log(`ready at ${harness.info.server} in ${harness.info.startedToReadyMs} ms`);
  const stopOnSignal = (signal: NodeJS.Signals): void => {
    void harness.stop().finally(() => process.kill(process.pid, signal));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  project.provide('kube', {
    info: harness.info,
    kubectl: binaries.kubectl,
    apiserverBinary: binaries.apiserver,
    external: false,
  });
  return async () => {
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
    await harness.stop();
  };
}
