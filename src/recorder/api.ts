/** The Recorder's public shapes: what a publish answers, how to drain, where it writes. */
import type { ObjectReference } from '../types.ts';
import type { CloseReport } from './engine.ts';
import type { RecordedEvent } from './event.ts';
import type { RecorderClock } from './clock.ts';
import type { CoreEventSink } from './core-v1-sink.ts';
import type { EventSink } from './sink.ts';
import type { RecorderStats } from './stats.ts';

export type { CloseReport } from './engine.ts';

/** What a publish did. */
export interface PublishResult {
  /** The Event's name (`<regarding name>.<hex nanoseconds>`). */
  name: string;
  namespace: string;
  /** This occurrence's number in its series (1 for a new Event). */
  count: number;
  /**
   * `created`: a new Event; `patched`: its series written now; `coalesced`: counted, written at the
   * next scheduled write (or, after a failure that waiting can fix, at the next retry).
   */
  write: 'created' | 'patched' | 'coalesced';
}

/** flush() and close(): how long they may take. */
export interface DrainOptions {
  /** Milliseconds, finite and ≥ 0. @default 25000 (a pod's default grace period is 30 s) */
  timeoutMs?: number;
}

/** What the Recorder and the FakeRecorder of `kube-events/testing` both offer: type controllers against it. */
export interface EventRecorder {
  publish(event: RecordedEvent, regarding: ObjectReference): Promise<PublishResult>;
  emit(event: RecordedEvent, regarding: ObjectReference): void;
  flush(options?: DrainOptions): Promise<void>;
  close(options?: DrainOptions): Promise<CloseReport>;
  stats(): RecorderStats;
}

/**
 * Where the Recorder writes: a connection from `connect()` (its `events`, or its `coreEvents` with
 * `legacyFields`), or any EventSink (a CoreEventSink with `legacyFields`).
 */
export type RecorderTarget =
  | { readonly events: EventSink; readonly coreEvents?: CoreEventSink }
  | { readonly sink: EventSink }
  | { readonly coreSink: CoreEventSink };

/** Test hooks: a clock (e.g. ManualClock) and the source of retry jitter (in [0, 1)). */
export interface RecorderHooks {
  clock?: RecorderClock;
  random?: () => number;
}
