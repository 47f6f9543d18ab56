/** What callers publish, and who publishes it. */
import { hostname } from 'node:os';
import { ValidationError } from '../errors.ts';
import type { ObjectReference } from '../types.ts';
import { asValidationError, checkController, describeValue, NULL_MESSAGE } from './validate.ts';

export type EventType = 'Normal' | 'Warning';

/**
 * One occurrence to record about an object.
 * Where users see it: `kubectl describe <kind> <name>` lists TYPE, REASON, AGE, FROM and MESSAGE
 * (the note), with `(xN over …)` once it recurs. Checked at run time by publish() and emit(): a
 * field of the wrong type, or `null` for `note` or `secondary` (omit them instead), is a
 * ValidationError naming it.
 * @example const backOff: RecordedEvent = { type: 'Warning', reason: 'BackOff', action: 'Reconcile', note: 'image pull failed' };
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
  /** A second object involved (written as `related`): kind and name required, the namespace a DNS label. */
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
 * @throws ValidationError naming `reporter.controller` when it is not a string or not a qualified
 *   name, `env` when it is not an object, `env.POD_NAME` when it is set but not a string
 * @example new Recorder(conn, reporterFromEnv('example.com/my-operator'))
 */
export function reporterFromEnv(controller: string, env: NodeJS.ProcessEnv = process.env): Reporter {
  checkController(controller);
  if (typeof env !== 'object' || env === null) {
    throw new ValidationError(
      'env',
      env === null ? NULL_MESSAGE : `must be an object such as process.env, got ${describeValue(env)}`,
    );
  }
  let podName: unknown;
  try {
    podName = env.POD_NAME;
  } catch (error) {
    throw asValidationError('env', error);
  }
  if (podName !== undefined && typeof podName !== 'string') {
    throw new ValidationError('env.POD_NAME', `must be a string, got ${describeValue(podName)}`);
  }
  const instance = podName !== undefined && podName !== '' ? podName : hostname();
  return instance === '' ? { controller } : { controller, instance };
}
