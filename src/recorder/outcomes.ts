/**
 * Where the Recorder tells what did not go to plan: counters in stats(), diagnostics_channel
 * messages, the logger and `onError`. The logger and `onError` are code that is not ours: each call
 * is guarded (a throw, or a promise it returns that rejects, is counted in `stats().hookErrors` and
 * changes nothing else), so a broken hook can neither lose a count nor reach the caller.
 * diagnostics_channel subscribers are Node's to guard: `channel.publish()` never throws, and Node
 * reports a throwing subscriber as an uncaught exception of its own.
 */
import {
  ApiError,
  EventDroppedError,
  KubeEventsError,
  RecorderClosedError,
  ValidationError,
  type DropReason,
} from '../errors.ts';
import type { WriteObserver } from './writer.ts';
import { publishDrop, publishError, publishWrite } from './channels.ts';
import type { ResolvedRecorderOptions } from './options.ts';
import type { RecorderStats } from './stats.ts';

export class Outcomes {
  readonly #stats: RecorderStats;
  readonly #options: ResolvedRecorderOptions;
  readonly #snapshot: () => RecorderStats;

  constructor(stats: RecorderStats, options: ResolvedRecorderOptions, snapshot: () => RecorderStats) {
    this.#stats = stats;
    this.#options = options;
    this.#snapshot = snapshot;
  }

  /** A write attempt failed, or input was rejected: counted by Kubernetes reason or error name. */
  failed(error: KubeEventsError): void {
    const reason = error instanceof ApiError ? error.reason : error.name;
    this.#stats.failed[reason] = (this.#stats.failed[reason] ?? 0) + 1;
    publishError(error, this.#snapshot);
  }

  /** An occurrence refused before it was accepted: counted; returns the error to throw. */
  drop<E extends Error>(reason: DropReason, error: E): E {
    this.#stats.dropped[reason] += 1;
    publishDrop(reason, this.#snapshot);
    return error;
  }

  /** Counts write requests sent and applied. */
  readonly writes: WriteObserver = {
    attempt: () => void (this.#stats.writeAttempts += 1),
    applied: (kind) => {
      this.#stats.writes += 1;
      this.#stats[kind === 'create' ? 'created' : 'patched'] += 1;
      publishWrite(kind, this.#snapshot);
    },
  };

  /** What emit() threw: input errors are counted (drops already were), then reported. */
  rejected(error: unknown): void {
    const typed = error instanceof KubeEventsError ? error : new KubeEventsError(String(error), { cause: error });
    if (!(typed instanceof EventDroppedError) && !(typed instanceof RecorderClosedError)) {
      if (typed instanceof ValidationError) this.#stats.rejected += 1;
      this.failed(typed);
    }
    this.report(typed);
  }

  /** To the logger and onError, each guarded. */
  report(error: KubeEventsError): void {
    const { logger, onError } = this.#options;
    this.#guard(() => logger.warn?.(`kube-events: ${error.message}`, { error }));
    this.#guard(() => onError?.(error));
  }

  /** Calls a hook; what it throws or rejects with is counted and goes no further. */
  #guard(hook: () => unknown): void {
    try {
      const returned = hook();
      if (isThenable(returned)) {
        returned.then(undefined, () => {
          this.#stats.hookErrors += 1;
        });
      }
    } catch {
      this.#stats.hookErrors += 1;
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
