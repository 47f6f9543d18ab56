/**
 * Testing a controller that publishes events, with the FakeRecorder of `kube-events/testing`
 * (in a user's project: `import { FakeRecorder } from 'kube-events/testing'`).
 */
import type { EventRecorder } from '../src/index.ts';
import { objectRef } from '../src/index.ts';
import { FakeRecorder } from '../src/testing/index.ts';

interface Pod {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: { name: string; namespace: string; uid: string };
  status: { phase: string };
}

/** The code under test: a reconcile step that reports what it saw. */
export async function reconcile(pod: Pod, recorder: EventRecorder): Promise<void> {
  if (pod.status.phase === 'Failed') {
    await recorder.publish(
      { type: 'Warning', reason: 'PodFailed', action: 'Reconcile', note: `${pod.metadata.name} failed` },
      objectRef(pod),
    );
  }
}

// In a vitest/jest/node:test test body:
const recorder = new FakeRecorder({ controller: 'example.com/my-operator' });
const pod: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-0', namespace: 'default', uid: 'u1' },
  status: { phase: 'Failed' },
};
await reconcile(pod, recorder);
await reconcile(pod, recorder);
recorder.assertPublished({ type: 'Warning', reason: 'PodFailed', regarding: { name: 'web-0' }, count: 2 });
