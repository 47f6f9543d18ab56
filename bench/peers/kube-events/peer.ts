/**
 * The kube-events peer of `npm run bench:peers`: publishes through the Recorder with its default
 * options, as bench/peers/CONTRACT.md describes, and prints one JSON line.
 *
 *   node bench/peers/kube-events/peer.ts --kubeconfig FILE --scenario storm --namespace NS --name web
 */
import { parseArgs } from 'node:util';
import { connect } from '../../../src/connection/index.ts';
import type { KubeEventsError } from '../../../src/errors.ts';
import type { RecordedEvent } from '../../../src/recorder/event.ts';
import { ABORT_GRACE_MS, type CloseReport } from '../../../src/recorder/engine.ts';
import { totalLost } from '../../../src/recorder/stats.ts';
import { Recorder } from '../../../src/recorder/recorder.ts';
import type { ObjectReference } from '../../../src/types.ts';
import { sleep } from '../../../src/util/sleep.ts';
import { VERSION } from '../../../src/version.ts';
import { parsePeerArgs, PeerUsageError, type PeerArgs, type PeerResult } from '../contract.ts';

const EVENT: RecordedEvent = {
  type: 'Warning',
  reason: 'ReconcileFailed',
  action: 'Reconcile',
  note: 'reconcile failed: dependency not ready',
};

function pod(namespace: string, name: string): ObjectReference {
  return { apiVersion: 'v1', kind: 'Pod', namespace, name };
}

function marker(name: 'started' | 'published', at: number): void {
  process.stderr.write(`@${name} ${at}\n`);
}

async function stdinClosed(): Promise<void> {
  process.stdin.resume();
  await new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
  });
}

async function run(args: PeerArgs): Promise<PeerResult> {
  let errorsSurfaced = 0;
  const report = (error: unknown): void => {
    errorsSurfaced += 1;
    if (errorsSurfaced <= 5) process.stderr.write(`publish failed: ${String(error)}\n`);
  };
  const connection = await connect({ kubeconfig: args.kubeconfig });
  const recorder = new Recorder(
    connection,
    { controller: 'bench.kube-events.dev/peer', instance: 'peer-kube-events' },
    { onError: (error: KubeEventsError) => report(error) },
  );

  let maxLagMs = 0;
  const startedAt = Date.now();
  marker('started', startedAt);
  if (args.scenario === 'storm') {
    // A fleet agent's startup: its distinct Events are emitted before the storm begins.
    for (let i = 0; i < args.distinctPublishes; i++) {
      recorder.emit(EVENT, pod(args.namespace, `${args.name}-${i}`));
    }
    const step = args.durationMs / args.publishes;
    const regarding = pod(args.namespace, args.name);
    for (let i = 0; i < args.publishes; i++) {
      const due = startedAt + i * step;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      // Measured after the sleep, as the other peers do: the timer's own overshoot is lag too.
      maxLagMs = Math.max(maxLagMs, Date.now() - due);
      await recorder.publish(EVENT, regarding).catch(report);
    }
  } else {
    for (let i = 0; i < args.publishes; i++) recorder.emit(EVENT, pod(args.namespace, `${args.name}-${i}`));
  }
  const publishedAt = Date.now();
  marker('published', publishedAt);
  if (args.shutdown === 'stdin') await stdinClosed();

  const shutdownStart = performance.now();
  // close() gets the grace minus the second it may spend letting aborted writes settle, so its
  // report (what it wrote, what it gave up) arrives before the deadline; the race is a backstop.
  let closeReport: CloseReport | undefined;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), args.graceMs);
  });
  const closed = recorder.close({ timeoutMs: Math.max(0, args.graceMs - ABORT_GRACE_MS) }).then(
    (closing) => {
      closeReport = closing;
      return 'closed' as const;
    },
    (error: unknown) => {
      report(error);
      return 'closed' as const;
    },
  );
  const outcome = await Promise.race([closed, deadline]);
  clearTimeout(timer);
  const shutdownMs = performance.now() - shutdownStart;
  const stats = recorder.stats();
  if (closeReport !== undefined && closeReport.lost > 0)
    process.stderr.write(`close() lost ${closeReport.lost}: ${JSON.stringify(closeReport.lostByReason)}\n`);

  const usage = process.resourceUsage();
  return {
    peer: 'kube-events',
    library: 'kube-events',
    version: VERSION,
    scenario: args.scenario,
    publishes: args.publishes,
    startedAt,
    publishedAt,
    maxLagMs,
    errorsSurfaced,
    shutdownMs,
    shutdownTimedOut: outcome === 'timeout',
    // Everything the Recorder says did not reach the server: refused at emit, or lost after.
    reportedLost: totalLost(stats.lost) + Object.values(stats.dropped).reduce((sum, n) => sum + n, 0),
    cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
    peakRssBytes: usage.maxRSS * 1024,
  };
}

try {
  const { values } = parseArgs({
    options: {
      kubeconfig: { type: 'string' },
      scenario: { type: 'string' },
      namespace: { type: 'string' },
      name: { type: 'string' },
      publishes: { type: 'string' },
      'duration-ms': { type: 'string' },
      shutdown: { type: 'string' },
      'grace-ms': { type: 'string' },
      'distinct-publishes': { type: 'string' },
    },
    strict: true,
  });
  const result = await run(parsePeerArgs(values));
  process.stdout.write(`${JSON.stringify(result)}\n`);
  // Whatever the deadline cut short is abandoned, as a process that is being stopped would.
  process.exit(0);
} catch (error) {
  process.stderr.write(`kube-events peer: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(
    error instanceof PeerUsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1,
  );
}
