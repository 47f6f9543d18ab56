import { AssertionError } from 'node:assert';
import { describe, expect, it } from 'vitest';
import { RecorderClosedError, ValidationError } from '../../../src/errors.ts';
import { FakeRecorder } from '../../../src/testing/index.ts';

const pod = { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web-0', uid: 'u1', resourceVersion: '3' };
const backOff = { type: 'Warning' as const, reason: 'BackOff', action: 'Reconcile', note: 'image pull failed' };

describe('FakeRecorder', () => {
  it('keeps structured events and counts series like the Recorder', async () => {
    const recorder = new FakeRecorder({ controller: 'example.com/op', instance: 'op-0' });
    expect(await recorder.publish(backOff, pod)).toMatchObject({ count: 1, write: 'created' });
    expect(await recorder.publish(backOff, { ...pod, resourceVersion: '4' })).toMatchObject({
      count: 2,
      write: 'patched',
    });
    recorder.emit(backOff, pod);
    const [event] = recorder.events();
    expect(event).toMatchObject({
      namespace: 'default',
      type: 'Warning',
      reason: 'BackOff',
      note: 'image pull failed',
      count: 3,
      reportingController: 'example.com/op',
      regarding: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web-0', uid: 'u1' },
    });
    expect(recorder.stats()).toMatchObject({ published: 3, created: 1, patched: 1, coalesced: 1, cacheSize: 1 });
  });

  it('applies the same validation, and never throws from emit', async () => {
    const recorder = new FakeRecorder({ controller: 'example.com/op' });
    await expect(recorder.publish({ ...backOff, reason: '' }, pod)).rejects.toBeInstanceOf(ValidationError);
    expect(() => recorder.emit({ ...backOff, reason: 'x'.repeat(200) }, pod)).not.toThrow();
    expect(recorder.stats().failed).toEqual({ ValidationError: 1 });
    expect(() => new FakeRecorder({ controller: 'not valid' })).toThrow(ValidationError);
  });

  it('assertion helpers say what was recorded', async () => {
    const recorder = new FakeRecorder({ controller: 'example.com/op' });
    await recorder.publish(backOff, pod);
    await recorder.publish({ type: 'Normal', reason: 'Synced', action: 'Reconcile' }, { kind: 'Node', name: 'n1' });
    expect(recorder.assertPublished({ reason: 'BackOff', regarding: { name: 'web-0' }, note: /pull/ }).count).toBe(1);
    expect(recorder.find({ type: 'Normal' })[0]?.namespace).toBe('default');
    expect(() => recorder.assertPublished({ reason: 'Missing' })).toThrow(AssertionError);
    expect(() => recorder.assertPublished({ reason: 'Missing' })).toThrow(/recorded: .*BackOff/);
    recorder.assertNotPublished({ reason: 'Missing' });
    expect(() => recorder.assertNotPublished({ reason: 'BackOff' })).toThrow(/found 1/);
    recorder.clear();
    expect(recorder.events()).toEqual([]);
  });

  it('rejects after close, like the Recorder', async () => {
    const recorder = new FakeRecorder({ controller: 'example.com/op' });
    await recorder.close();
    await expect(recorder.publish(backOff, pod)).rejects.toBeInstanceOf(RecorderClosedError);
    expect(recorder.stats().dropped.closed).toBe(1);
  });
});
