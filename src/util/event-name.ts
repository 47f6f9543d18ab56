/**
 * Event names as client-go and kube-rs make them: `<object name>.<Unix nanoseconds in lowercase
 * hex>` (client-go tools/record/util GenerateEventName). The nanosecond source never repeats
 * within a process, so two names made in the same microsecond still differ.
 */
import { wallClockNanos } from './clock.ts';

let last = 0n;

/** Unix time in nanoseconds, strictly increasing across calls in this process. */
export function uniqueNanos(): bigint {
  const now = wallClockNanos();
  last = now > last ? now : last + 1n;
  return last;
}

/**
 * `<name>.<hex nanoseconds>`, e.g. `web-0.187b3c0a1e2f4d5c`.
 * @param name the regarding object's name
 * @param nanos the timestamp to encode; defaults to {@link uniqueNanos}
 */
export function eventName(name: string, nanos: bigint = uniqueNanos()): string {
  return `${name}.${nanos.toString(16)}`;
}
