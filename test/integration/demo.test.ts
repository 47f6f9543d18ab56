/** `npm run demo` against the real kube-apiserver: its output shows the expected events and counts. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { freshNamespace, kube } from './env.ts';

const run = promisify(execFile);
let ns: string;

beforeAll(async () => {
  ns = await freshNamespace('demo');
});

describe('the demo', () => {
  it('publishes a storm, progress and cluster-scoped events, and prints them as kubectl describe does', async () => {
    const { stdout } = await run(
      process.execPath,
      ['examples/demo.ts', '--kubeconfig', kube().info.kubeconfigs.admin, '-n', ns, '--storm', '1000'],
      {
        encoding: 'utf8',
      },
    );
    expect(stdout).toMatch(new RegExp(`Pod/web-7d4b9c-x2x8p \\(namespace ${ns}\\)`));
    expect(stdout).toMatch(
      /Warning\s+BackOff\s+\S+ \(x1000 over \S+\)\s+demo\.kube-events\.dev\/web-operator\s+Back-off pulling image/,
    );
    expect(stdout).toMatch(/Normal\s+ScalingReplicaSet\s+\S+ \(x2 over \S+\)/);
    expect(stdout).toMatch(/Normal\s+Progressing\s+\d+s\s+/);
    expect(stdout).toMatch(
      /Node\/worker-3 \(cluster-scoped; events in default\)\nEvents:\n.*\n.*\n\s+Warning\s+NodeNotReady/,
    );
    expect(stdout).toMatch(
      /ClusterRole\/system:controller:web-operator[^\n]*\nEvents:\n.*\n.*\n\s+Normal\s+Reconciled/,
    );
    const summary = /Recorder: (\d+) publishes in [\d.]+ s → (\d+) API writes/.exec(stdout);
    expect(Number(summary?.[1])).toBe(1005);
    // 5 Events, each written once or twice: the storm of 1,000 costs a handful of writes.
    expect(Number(summary?.[2])).toBeLessThanOrEqual(12);
  });
});
