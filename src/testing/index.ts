/** `kube-events/testing`: a fake Recorder and a manual clock for users' tests. */
export { FakeRecorder, type FakeEvent, type FakeEventMatch } from './fake-recorder.ts';
export { ManualClock, type RecorderClock } from '../recorder/clock.ts';
export type { EventRecorder, PublishResult } from '../recorder/recorder.ts';
