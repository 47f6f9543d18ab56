import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import * as client from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/recorder/clock.ts';
import { Recorder } from '../../../src/recorder/recorder.ts';
import {
  DROP_CHANNEL,
  ERROR_CHANNEL,
  registerRecorderMetrics,
  WRITE_CHANNEL,
  type WriteMessage,
} from '../../../src/metrics/index.ts';
import { FakeRecorder } from '../../../src/testing/index.ts';
import { MemorySink } from '../../helpers/memory-sink.ts';

const pod = { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web-0', uid: 'u1' };
const backOff = { type: 'Warning' as const, reason: 'BackOff', action: 'Reconcile' };

describe('Prometheus metrics', () => {
  it('exposes the counters at scrape time', async () => {
    const registry = new client.Registry();
    const recorder = new FakeRecorder({ controller: 'example.com/op' });
    registerRecorderMetrics(recorder, client, { registers: [registry], recorderLabel: 'main' });
    for (let i = 0; i < 3; i++) await recorder.publish(backOff, pod);
    recorder.emit({ ...backOff, reason: '' }, pod);
    const text = await registry.metrics();
    expect(text).toContain('kube_events_recorder_published_total{recorder="main"} 3');
    expect(text).toContain('kube_events_recorder_created_total{recorder="main"} 1');
    expect(text).toContain('kube_events_recorder_coalesced_total{recorder="main"} 1');
    expect(text).toContain('kube_events_recorder_failed_total{recorder="main",reason="ValidationError"} 1');
    expect(text).toContain('kube_events_recorder_cache_size{recorder="main"} 1');
    await recorder.publish(backOff, pod);
    expect(await registry.metrics()).toContain('kube_events_recorder_published_total{recorder="main"} 4');
  });
});

describe('diagnostics_channel', () => {
  it('publishes writes, errors and drops while someone listens', async () => {
    const writes: WriteMessage[] = [];
    const other: string[] = [];
    const onWrite = (message: unknown): void => void writes.push(message as WriteMessage);
    const onError = (): void => void other.push('error');
    const onDrop = (): void => void other.push('drop');
    subscribe(WRITE_CHANNEL, onWrite);
    subscribe(ERROR_CHANNEL, onError);
    subscribe(DROP_CHANNEL, onDrop);
    try {
      const sink = new MemorySink();
      const recorder = new Recorder(
        { sink },
        { controller: 'example.com/op' },
        { writeBudget: false, clock: new ManualClock() },
      );
      await recorder.publish(backOff, pod);
      await recorder.publish(backOff, pod);
      expect(writes.map((w) => w.kind)).toEqual(['create', 'patch']);
      expect(writes[1]?.stats.patched).toBe(1);
      recorder.emit({ ...backOff, action: '' }, pod);
      await recorder.close();
      recorder.emit(backOff, pod);
      expect(other).toEqual(['error', 'drop']);
    } finally {
      unsubscribe(WRITE_CHANNEL, onWrite);
      unsubscribe(ERROR_CHANNEL, onError);
      unsubscribe(DROP_CHANNEL, onDrop);
    }
  });
});
