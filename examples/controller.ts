/**
 * A controller loop that publishes events through one shared Recorder
 * (in a user's project: `import { connect, objectRef, Recorder, reporterFromEnv } from 'kube-events'`).
 * Run against a cluster: `node examples/controller.ts` (uses KUBECONFIG / ~/.kube/config / in-cluster).
 */
import { connect, objectRef, Recorder, reporterFromEnv, type KubernetesObjectLike } from '../src/index.ts';

const conn = await connect();
const recorder = new Recorder(conn, reporterFromEnv('example.com/my-operator'), {
  onError: (error) => console.error(`event not recorded: ${error.message}`),
});

/** Stands in for the objects a real controller gets from its informer or list calls. */
const pods: KubernetesObjectLike[] = [
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-0', namespace: conn.namespace, uid: 'example-uid-0' } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: conn.namespace, uid: 'example-uid-1' } },
];

for (let round = 0; round < 3; round++) {
  for (const pod of pods) {
    // A failing step: repeats become one Event whose count grows, not one Event per repeat.
    recorder.emit(
      { type: 'Warning', reason: 'BackOff', action: 'Reconcile', note: 'image pull failed' },
      objectRef(pod),
    );
  }
}
await recorder.close();
console.log(recorder.stats());
await conn.close();
