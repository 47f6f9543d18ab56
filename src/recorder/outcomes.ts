/**
 * Where the Recorder tells what did not go to plan: counters in stats(), diagnostics_channel
 * messages, the logger and `onError` (a throwing hook never reaches the caller).
 */
import { ApiError, EventDroppedError, KubeEventsError, RecorderClosedError, type DropReason } from '../errors.ts';
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

  /** What emit() threw: input errors are counted as failures (drops already were), then reported. */
  rejected(error: unknown): void {
    const typed = error instanceof KubeEventsError ? error : new KubeEventsError(String(error), { cause: error });
    if (!(typed instanceof EventDroppedError) && !(typed instanceof RecorderClosedError)) this.failed(typed);
    this.report(typed);
  }

  /** To the logger and onError. */
  report(error: KubeEventsError): void {
    this.#options.logger.warn?.(`kube-events: ${error.message}`, { error });
    try {
      this.#options.onError?.(error);
    } catch {
      // A throwing hook must not break the caller of emit().
    }
  }
}
