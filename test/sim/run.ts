/**
 * Runs one plan: the real Recorder against the simulated apiserver on a ManualClock, stepping time
 * timer by timer (after each step every runnable promise callback has run), then checks the
 * accounting invariant and the Recorder's bounds. Returns the violations and a trace of the run's end.
 */
import {
  EventDroppedError,
  EventsLostError,
  RecorderClosedError,
  ValidationError,
  type KubeEventsError,
} from '../../src/errors.ts';
import { ManualClock } from '../../src/recorder/clock.ts';
import type { CloseReport, PublishResult } from '../../src/recorder/api.ts';
import { Recorder } from '../../src/recorder/recorder.ts';
import { totalLost } from '../../src/recorder/stats.ts';
import type { ObjectReference } from '../../src/types.ts';
import type { SimOp, SimPlan } from './plan.ts';
import { seededRandom } from './random.ts';
import { SimApiserver } from './sim-apiserver.ts';

export interface RunResult {
  violations: string[];
  trace: string[];
  /** Simulated time the run covered. */
  simulatedMs: number;
  steps: number;
}

const TRACE_LINES = 80;
const MAX_STEPS = 500_000;

const macrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function regarding(object: number): ObjectReference {
  return { apiVersion: 'v1', kind: 'Pod', namespace: 'sim', name: `obj-${object}`, uid: `uid-${object}` };
}

class Tally {
  readonly accepted = new Map<string, number>();
  /** Occurrences that may have started a series (a new Event name): publishes answered count 1, emits, rejections. */
  readonly starts = new Map<string, number>();
  readonly lost = new Map<string, number>();
  add(map: Map<string, number>, key: string, n = 1): void {
    map.set(key, (map.get(key) ?? 0) + n);
  }
}

export async function runPlan(plan: SimPlan): Promise<RunResult> {
  const clock = new ManualClock();
  const start = clock.now();
  const random = seededRandom(plan.seed);
  const trace: string[] = [];
  const note = (line: string): void => {
    trace.push(`${String(clock.now() - start).padStart(7)}ms ${line}`);
    if (trace.length > TRACE_LINES) trace.shift();
  };
  const violations: string[] = [];
  const fail = (message: string): void => {
    if (violations.length < 20) violations.push(message);
  };
  const server = new SimApiserver(clock, plan.server, random, note);
  const tally = new Tally();
  let lostReported = 0;
  let lostAfterClose = 0;
  let closing = false;
  const onError = (error: KubeEventsError): void => {
    if (!(error instanceof EventsLostError)) return;
    note(`  onError: ${error.reason} ${error.occurrences} of ${error.series.name}/${error.series.reason}`);
    tally.add(tally.lost, `${error.series.name}/${error.series.reason}`, error.occurrences);
    lostReported += error.occurrences;
    if (closing) lostAfterClose += error.occurrences;
  };
  const recorder = new Recorder(
    plan.api === 'core/v1' ? { coreSink: server.coreSink } : { sink: server },
    { controller: 'sim.kube-events.dev/recorder', instance: 'sim-0' },
    {
      clock,
      random: () => random.float(),
      maxSeries: plan.recorder.maxSeries,
      maxPendingWrites: plan.recorder.maxPendingWrites,
      idleTimeoutMs: plan.recorder.idleTimeoutMs,
      writeBudget: plan.recorder.writeBudget,
      eventTtlMs: plan.server.ttlMs,
      legacyFields: plan.api === 'core/v1',
      onError,
    },
  );
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  const outstanding = new Set<Promise<unknown>>();
  let steps = 0;

  const checkBounds = (): void => {
    const stats = recorder.stats();
    if (stats.cacheSize > plan.recorder.maxSeries) fail(`cache holds ${stats.cacheSize} > maxSeries`);
    if (stats.pendingWrites > 2 * plan.recorder.maxSeries) fail(`${stats.pendingWrites} writes pending > 2·maxSeries`);
  };
  const step = async (untilMs: number): Promise<boolean> => {
    const next = clock.nextTimerAt;
    if (next === undefined || next > untilMs) return false;
    clock.advance(next - clock.now());
    await macrotask();
    if (++steps > MAX_STEPS) throw new Error(`more than ${MAX_STEPS} steps: the run does not settle`);
    return true;
  };
  const advanceTo = async (atMs: number): Promise<void> => {
    await macrotask();
    while (await step(atMs));
    clock.advance(Math.max(0, atMs - clock.now()));
    await macrotask();
    checkBounds();
  };

  const occur = (op: Extract<SimOp, { n: number }>): void => {
    const key = `obj-${op.object}/R${op.reason}`;
    const event = { type: 'Warning' as const, reason: `R${op.reason}`, action: 'Reconcile', note: 'sim' };
    for (let i = 0; i < op.n; i++) {
      const before = recorder.stats().published;
      if (op.kind === 'emit') {
        recorder.emit(event, regarding(op.object));
        const accepted = recorder.stats().published - before;
        tally.add(tally.accepted, key, accepted);
        tally.add(tally.starts, key, accepted);
        continue;
      }
      const promise = recorder.publish(event, regarding(op.object));
      const accepted = recorder.stats().published - before;
      tally.add(tally.accepted, key, accepted);
      const tracked = promise.then(
        (result: PublishResult) => {
          if (accepted !== 1) fail(`publish resolved but was not counted as accepted (${key})`);
          if (result.count === 1) tally.add(tally.starts, key);
          const stored = server.stored(result.namespace, result.name);
          if (result.write !== 'coalesced' && stored !== undefined && stored < result.count) {
            fail(`publish of ${key} resolved ${result.write} #${result.count}, the server holds ${stored}`);
          }
        },
        (error: unknown) => {
          const refused = error instanceof EventDroppedError || error instanceof RecorderClosedError;
          if (refused || error instanceof ValidationError) {
            if (accepted !== 0) fail(`publish of ${key} was counted as accepted, then refused: ${String(error)}`);
          } else {
            if (accepted !== 1) fail(`publish of ${key} failed after a write but was not accepted`);
            tally.add(tally.starts, key);
          }
        },
      );
      outstanding.add(tracked);
      void tracked.finally(() => outstanding.delete(tracked));
    }
  };

  try {
    for (const op of plan.ops) {
      await advanceTo(start + op.atMs);
      note(`op ${op.kind} ${'n' in op ? `obj-${op.object}/R${op.reason} ×${op.n}` : `timeout ${op.timeoutMs}`}`);
      if (op.kind === 'flush') {
        const flushed = recorder.flush({ timeoutMs: op.timeoutMs }).catch((error: unknown) => {
          if ((error as Error).name !== 'FlushTimeoutError') fail(`flush rejected with ${String(error)}`);
        });
        outstanding.add(flushed);
        void flushed.finally(() => outstanding.delete(flushed));
      } else {
        occur(op);
      }
    }
    await advanceTo(start + plan.durationMs + plan.close.afterMs);
    note(`close(timeoutMs ${plan.close.timeoutMs})`);
    closing = true;
    const closeStart = clock.now();
    let report: CloseReport | undefined;
    let closedAt = 0;
    void recorder.close({ timeoutMs: plan.close.timeoutMs }).then((r) => {
      report = r;
      closedAt = clock.now();
    });
    await macrotask();
    while (report === undefined && (await step(Infinity)));
    if (report === undefined) {
      fail('close() never resolved and no timer is left to resolve it');
    } else {
      if (closedAt - closeStart > plan.close.timeoutMs) fail(`close() took ${closedAt - closeStart} ms > its deadline`);
      const r = report;
      if (r.lost !== totalLost(r.lostByReason)) fail(`close report: lost ${r.lost} ≠ sum by reason`);
      if (r.lost !== lostAfterClose) fail(`close report: lost ${r.lost}, onError got ${lostAfterClose} after close()`);
    }
    // Whatever is still on the sim's wire (aborted writes) settles now.
    while (await step(Infinity));
    await macrotask();
    if (outstanding.size > 0) fail(`${outstanding.size} publish/flush promise(s) never settled`);
    if (clock.pendingTimers > 0) fail(`${clock.pendingTimers} timer(s) left after close()`);
    checkAccounting();
    for (const inconsistency of server.inconsistencies) fail(`core/v1 legacy fields disagree: ${inconsistency}`);
  } catch (error) {
    fail(`crash: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  for (const reason of unhandled) fail(`unhandled rejection: ${String(reason)}`);
  return { violations, trace, simulatedMs: clock.now() - start, steps };

  function checkAccounting(): void {
    const stats = recorder.stats();
    const stored = server.countsByKey();
    let accepted = 0;
    for (const n of tally.accepted.values()) accepted += n;
    if (stats.published !== accepted) fail(`stats.published ${stats.published} ≠ accepted ${accepted}`);
    if (totalLost(stats.lost) !== lostReported) fail(`stats.lost ${totalLost(stats.lost)} ≠ reported ${lostReported}`);
    if (stats.writes !== stats.created + stats.patched) fail('stats.writes ≠ created + patched');
    if (stats.writeAttempts < stats.writes) fail('stats.writeAttempts < writes');
    // Losses other than close()'s deadline need a cause the plan put there.
    if (stats.lost.invalid > 0)
      fail(`${stats.lost.invalid} lost as invalid: the Recorder sent something the server rejects`);
    if (stats.lost.forbidden > 0 && !plan.server.windows.some((w) => w.kind === 'forbidden')) {
      fail(`${stats.lost.forbidden} lost as forbidden without a 403 in the plan`);
    }
    if (stats.lost.abandoned > 0 && plan.server.collisionP === 0) fail(`${stats.lost.abandoned} lost as abandoned`);
    const keys = new Set([...tally.accepted.keys(), ...stored.keys(), ...tally.lost.keys()]);
    for (const key of keys) {
      const acc = tally.accepted.get(key) ?? 0;
      const lost = tally.lost.get(key) ?? 0;
      const onServer = stored.get(key) ?? { count: 0, unacked: false, series: 0 };
      const sums = `${key}: accepted ${acc}, on the server ${onServer.count}, reported lost ${lost}`;
      if (onServer.count > acc) fail(`over-count: ${sums}`);
      else if (onServer.unacked ? onServer.count + lost < acc : onServer.count + lost !== acc)
        fail(`accounting: ${sums}`);
      if (onServer.series > (tally.starts.get(key) ?? 0)) {
        fail(`${key}: ${onServer.series} series on the server for ${tally.starts.get(key) ?? 0} series starts`);
      }
    }
  }
}
