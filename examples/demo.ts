/**
 * `npm run demo`: a controller's day in events, on a real kube-apiserver. A reconcile loop that
 * keeps failing (a Warning storm of thousands of publishes), normal progress events for a
 * Deployment, and events about cluster-scoped objects; then each object's events as
 * `kubectl describe` shows them, read back from the server, and publishes against API writes.
 *
 * Without flags it starts the project's own kube-apiserver (built on first use);
 * `--kubeconfig F [--context C]` targets your cluster (the identity needs create, patch and list on
 * events.k8s.io events).
 */
import { parseArgs } from 'node:util';
import { describeEvents } from '../src/cli/format.ts';
import { connect, Recorder, type Connection, type ObjectReference, type RecordedEvent } from '../src/index.ts';
import { sleep } from '../src/util/sleep.ts';
import { ensureHarness } from '../tools/harness/build.ts';
import { startHarness, type RunningHarness } from '../tools/harness/start.ts';

const { values } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    context: { type: 'string' },
    namespace: { type: 'string', short: 'n' },
    storm: { type: 'string', default: '3000' },
  },
});
const stormSize = Number(values.storm);

let harness: RunningHarness | undefined;
let writer: Connection;
let reader: Connection;
if (values.kubeconfig === undefined) {
  console.log('Starting a local kube-apiserver (the test harness; the first run builds it, several minutes)…');
  const binaries = await ensureHarness({ log: (line) => console.log(line) });
  harness = await startHarness(binaries.apiserver);
  console.log(`kube-apiserver ${harness.info.version} ready at ${harness.info.server}\n`);
  writer = await connect({ kubeconfig: harness.info.kubeconfigs['events-writer'] });
  reader = await connect({ kubeconfig: harness.info.kubeconfigs.admin });
} else {
  const target = {
    kubeconfig: values.kubeconfig,
    ...(values.context !== undefined ? { context: values.context } : {}),
  };
  writer = await connect(target);
  reader = writer;
}

try {
  const namespace = values.namespace ?? writer.namespace;
  const pod: ObjectReference = {
    apiVersion: 'v1',
    kind: 'Pod',
    namespace,
    name: 'web-7d4b9c-x2x8p',
    uid: 'demo-pod-uid',
  };
  const deployment: ObjectReference = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    namespace,
    name: 'web',
    uid: 'demo-deploy-uid',
  };
  const node: ObjectReference = { apiVersion: 'v1', kind: 'Node', name: 'worker-3', uid: 'demo-node-uid' };
  const role: ObjectReference = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    name: 'system:controller:web-operator',
  };

  const recorder = new Recorder(writer, {
    controller: 'demo.kube-events.dev/web-operator',
    instance: 'web-operator-0',
  });
  const progress = (reason: string, note: string): RecordedEvent => ({
    type: 'Normal',
    reason,
    action: 'Rollout',
    note,
  });

  console.log(
    `Reconciling: deployment/web rolls out, pod ${pod.name ?? ''} keeps failing (${stormSize} retries), node worker-3 goes NotReady…`,
  );
  await recorder.publish(progress('ScalingReplicaSet', 'Scaled up replica set web-7d4b9c to 3'), deployment);
  const started = performance.now();
  for (let attempt = 1; attempt <= stormSize; attempt++) {
    recorder.emit(
      {
        type: 'Warning',
        reason: 'BackOff',
        action: 'Reconcile',
        note: 'Back-off pulling image "registry.example/web:1.2.3"',
      },
      pod,
    );
    if (attempt === Math.floor(stormSize / 3)) {
      await recorder.publish(
        { type: 'Warning', reason: 'NodeNotReady', action: 'Heartbeat', note: 'Kubelet stopped posting node status' },
        node,
      );
    }
    if (attempt === Math.floor(stormSize / 2))
      await recorder.publish(progress('Progressing', 'ReplicaSet web-7d4b9c is progressing'), deployment);
    // A reconcile loop does some work between attempts; yield so the writes can go out.
    if (attempt % 100 === 0) await sleep(50);
  }
  await recorder.publish({ type: 'Normal', reason: 'Reconciled', action: 'Sync', note: 'RBAC rules up to date' }, role);
  await recorder.publish(progress('ScalingReplicaSet', 'Scaled up replica set web-7d4b9c to 3'), deployment);
  await recorder.close();
  const seconds = (performance.now() - started) / 1000;

  const now = Date.now();
  for (const object of [pod, deployment, node, role]) {
    const ns = object.namespace ?? 'default';
    const listed = await reader.events.list({ namespace: ns, fieldSelector: `regarding.name=${object.name ?? ''}` });
    const ours = listed.items.filter((event) => event.reportingController === 'demo.kube-events.dev/web-operator');
    console.log(
      `\n${object.kind ?? ''}/${object.name ?? ''}${object.namespace !== undefined ? ` (namespace ${object.namespace})` : ' (cluster-scoped; events in default)'}`,
    );
    console.log(describeEvents(ours, now));
  }

  const stats = recorder.stats();
  console.log(
    `\nRecorder: ${stats.published} publishes in ${seconds.toFixed(1)} s → ${stats.writes} API writes (${stats.created} creates, ${stats.patched} patches), ${stats.coalesced} coalesced, dropped ${Object.values(stats.dropped).reduce((a, b) => a + b, 0)}, failed ${Object.values(stats.failed).reduce((a, b) => a + b, 0)}`,
  );
  console.log(`Connection: ${writer.stats().requests} HTTP requests for those writes.`);
} finally {
  await writer.close();
  if (reader !== writer) await reader.close();
  await harness?.stop();
}
