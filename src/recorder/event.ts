/** What callers publish, and who publishes it. */
import { hostname } from 'node:os';
import type { ObjectReference } from '../types.ts';

export type EventType = 'Normal' | 'Warning';

/**
 * One occurrence to record about an object.
 * Where users see it: `kubectl describe <kind> <name>` lists TYPE, REASON, AGE, FROM and MESSAGE
 * (the note), with `(xN over …)` once it recurs.
 */
export interface RecordedEvent {
  /** `Normal` or `Warning`. */
  type: EventType;
  /** Why the action was taken, UpperCamelCase, e.g. `BackOff`. Required, at most 128 bytes. */
  reason: string;
  /** Human-readable detail. At most 1024 bytes: longer notes are cut on a character boundary with a marker. */
  note?: string;
  /** What was done or failed, e.g. `Reconcile`. Required, at most 128 bytes. */
  action: string;
  /** A second object involved (written as `related`). */
  secondary?: ObjectReference;
}

/** Who publishes. Shown as FROM in `kubectl describe` (`reportingController`). */
export interface Reporter {
  /** A qualified name such as `example.com/my-operator`: checked when the Recorder is built. */
  controller: string;
  /** This replica, e.g. the pod name. At most 128 bytes (longer values are shortened with a hash). @default controller */
  instance?: string;
}

/**
 * A Reporter for `controller` whose instance is `POD_NAME` (set it with the Downward API), else
 * the hostname (a pod's hostname is its name).
 * @example new Recorder(conn, reporterFromEnv('example.com/my-operator'))
 */
export function reporterFromEnv(controller: string, env: NodeJS.ProcessEnv = process.env): Reporter {
  const instance = env.POD_NAME !== undefined && env.POD_NAME !== '' ? env.POD_NAME : hostname();
  return instance === '' ? { controller } : { controller, instance };
}
