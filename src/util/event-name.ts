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

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** DNS-1123 subdomain limit (253) minus `.` and the 16 hex digits of a current timestamp. */
const MAX_PREFIX = 253 - 1 - 16;

/**
 * A DNS-1123 subdomain (≤ 253, lowercase alphanumerics, `-` and `.`): what Event names must be.
 * @example isDnsSubdomain('web-0.187b3c0a1e2f4d5c') // true
 */
export function isDnsSubdomain(name: string): boolean {
  return name.length <= 253 && DNS_SUBDOMAIN.test(name);
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * A DNS-1123 label (≤ 63, lowercase alphanumerics and `-`, alphanumeric at both ends): what a
 * namespace name must be (the apiserver's `ValidateNamespaceName`), so no `.` in it.
 * @example isDnsLabel('kube-system') // true; isDnsLabel('a.b') // false
 */
export function isDnsLabel(name: string): boolean {
  return name.length <= 63 && DNS_LABEL.test(name);
}

/** FNV-1a 32-bit of a string, as 8 hex digits: a short, stable tag for a sanitized name. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/**
 * A valid event name prefix from any object name. Names that are already valid DNS-1123
 * subdomains short enough for the suffix are kept; others (`system:controller:x`, upper case,
 * too long) are lowercased, invalid characters become `-`, and an 8-hex hash of the original is
 * appended so that two names that sanitize alike stay distinct. Deterministic.
 * @example eventNamePrefix('system:controller:attachdetach-controller') // 'system-controller-attachdetach-controller-3c1a0f2e'
 */
export function eventNamePrefix(name: string): string {
  if (name.length <= MAX_PREFIX && DNS_SUBDOMAIN.test(name)) return name;
  const tag = fnv1a(name);
  const cleaned = name
    .toLowerCase()
    .replace(/[^-a-z0-9.]/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/-*\.-*/g, '.')
    .slice(0, MAX_PREFIX - tag.length - 1)
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return cleaned === '' ? tag : `${cleaned}-${tag}`;
}

/** `<valid prefix>.<hex nanoseconds>`: always a valid DNS-1123 subdomain of at most 253 characters. */
export function safeEventName(name: string, nanos: bigint = uniqueNanos()): string {
  return eventName(eventNamePrefix(name), nanos);
}
