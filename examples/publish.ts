/**
 * A one-shot publish: one Event about a Deployment, then a clean shutdown.
 * Run against a cluster: `node examples/publish.ts` (KUBECONFIG, ~/.kube/config or in-cluster; the
 * identity needs create and patch on events.k8s.io events).
 */
import { connect, Recorder } from '../src/index.ts';

const conn = await connect();
const recorder = new Recorder(conn, { controller: 'example.com/one-shot', instance: 'cli' });
const result = await recorder.publish(
  { type: 'Normal', reason: 'Deployed', action: 'Deploy', note: 'version 1.2.3 rolled out' },
  { apiVersion: 'apps/v1', kind: 'Deployment', namespace: conn.namespace, name: 'web' },
);
await recorder.close();
console.log(
  `${result.write} event ${result.namespace}/${result.name}; see it with: kubectl get events -n ${result.namespace}`,
);
await conn.close();
