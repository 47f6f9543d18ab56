/** The storm in real time against the real kube-apiserver (started by the test harness). */
import { Recorder } from '../src/recorder/recorder.ts';
import type { RecordedEvent } from '../src/recorder/event.ts';
import { systemRecorderClock } from '../src/recorder/clock.ts';
import type { ObjectReference } from '../src/types.ts';
import { sleep } from '../src/util/sleep.ts';
import { connect } from '../src/connection/index.ts';
import { ensureHarness } from '../tools/harness/build.ts';
import { startHarness } from '../tools/harness/start.ts';
import { machine, printTable } from './_measure.ts';
import { SeedRecorder } from './seed-recorder.ts';

interface StormInput {
  publishes: number;
  durationMs: number;
  event: RecordedEvent;
  regarding: ObjectReference;
  reporter: { controller: string; instance: string };
}

export async function realStorm(input: StormInput): Promise<void> {
  const binaries = await ensureHarness();
  const harness = await startHarness(binaries.apiserver);
  try {
    const rows: (string | number)[][] = [];
    for (const which of ['kube-events', 'seed'] as const) {
      const conn = await connect({ kubeconfig: harness.info.kubeconfigs['events-writer'], rateLimit: false });
      const regarding = { ...input.regarding, name: `${input.regarding.name ?? 'web'}-${which}` };
      const recorder =
        which === 'kube-events'
          ? new Recorder(conn, input.reporter, { writeBudget: false })
          : new SeedRecorder(conn.events, input.reporter, systemRecorderClock);
      const started = performance.now();
      const step = input.durationMs / input.publishes;
      for (let i = 0; i < input.publishes; i++) {
        const due = started + i * step;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        await recorder.publish(input.event, regarding);
      }
      if (recorder instanceof Recorder) await recorder.close();
      const elapsed = (performance.now() - started) / 1000;
      const stats = conn.stats();
      const admin = await connect({ kubeconfig: harness.info.kubeconfigs.admin, rateLimit: false });
      const list = await admin.events.list({
        namespace: regarding.namespace ?? 'default',
        fieldSelector: `regarding.name=${regarding.name}`,
      });
      rows.push([which, stats.requests, list.items.length, list.items[0]?.series?.count ?? 1, elapsed.toFixed(1)]);
      await admin.close();
      await conn.close();
    }
    printTable(`Storm against kube-apiserver ${harness.info.version}, real time — ${machine()}`, rows, [
      'recorder',
      'API requests',
      'events',
      'final count',
      'seconds',
    ]);
  } finally {
    await harness.stop();
  }
}
