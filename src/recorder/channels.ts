/**
 * The Recorder's counters as `node:diagnostics_channel` messages, for tracing and APM tools.
 * Messages are built only while a channel has subscribers, so an unobserved Recorder pays nothing.
 *
 * - `kube-events:recorder:write`: `{ kind: 'create' | 'patch', stats }` after each write the server applied
 * - `kube-events:recorder:error`: `{ error, stats }` for each failure reported to `onError`
 * - `kube-events:recorder:drop`: `{ reason, stats }` for each occurrence refused on purpose
 */
import { channel } from 'node:diagnostics_channel';
import type { DropReason, KubeEventsError } from '../errors.ts';
import type { RecorderStats } from './stats.ts';

export const WRITE_CHANNEL = 'kube-events:recorder:write';
export const ERROR_CHANNEL = 'kube-events:recorder:error';
export const DROP_CHANNEL = 'kube-events:recorder:drop';

const writeChannel = channel(WRITE_CHANNEL);
const errorChannel = channel(ERROR_CHANNEL);
const dropChannel = channel(DROP_CHANNEL);

export interface WriteMessage {
  kind: 'create' | 'patch';
  stats: RecorderStats;
}
export interface ErrorMessage {
  error: KubeEventsError;
  stats: RecorderStats;
}
export interface DropMessage {
  reason: DropReason;
  stats: RecorderStats;
}

export function publishWrite(kind: WriteMessage['kind'], stats: () => RecorderStats): void {
  if (writeChannel.hasSubscribers) writeChannel.publish({ kind, stats: stats() } satisfies WriteMessage);
}

export function publishError(error: KubeEventsError, stats: () => RecorderStats): void {
  if (errorChannel.hasSubscribers) errorChannel.publish({ error, stats: stats() } satisfies ErrorMessage);
}

export function publishDrop(reason: DropReason, stats: () => RecorderStats): void {
  if (dropChannel.hasSubscribers) dropChannel.publish({ reason, stats: stats() } satisfies DropMessage);
}
