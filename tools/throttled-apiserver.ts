/**
 * A harness apiserver of its own that throttles: API Priority and Fairness for some identities
 * (their own one-share priority level on a server with 100 + 50 seats, so one seat each), and/or the
 * EventRateLimit admission plugin. One call for tests that need a server answering 429, e.g.
 * Recorder cases asserting that every count still lands.
 */
import { connect, type Connection } from '../src/connection/index.ts';
import { startHarness, type EventRateLimitLimit, type HarnessInfo, type RunningHarness } from './harness/start.ts';
import { throttleUser, waitUntilClassified, type ThrottledUser, type ThrottleUserOptions } from './apf.ts';

type Identity = Exclude<keyof HarnessInfo['kubeconfigs'], 'admin' | 'nobody'>;

export interface ThrottledApiserverOptions {
  /** Identities limited by APF (each gets a priority level of its own). @default none */
  apf?: { identities: Identity[]; limitResponse?: ThrottleUserOptions['limitResponse']; shares?: number };
  /** Server seats, split by APF among priority levels. @default { readOnly: 100, mutating: 50 } when `apf` is set */
  maxRequestsInflight?: { readOnly: number; mutating: number };
  /** Limits of the EventRateLimit admission plugin (core/v1 Events only, see test/apiserver/README.md). */
  eventRateLimit?: EventRateLimitLimit[];
}

export interface ThrottledApiserver {
  harness: RunningHarness;
  /** As admin (exempt from APF), retries off. */
  admin: Connection;
  /** The APF objects per identity. */
  throttled: Partial<Record<Identity, ThrottledUser>>;
  /** Closes the admin connection and stops the server. */
  stop(): Promise<void>;
}

/** Starts the server; with `apf`, resolves once each identity's requests land in its own priority level. */
export async function startThrottledApiserver(
  binary: string,
  options: ThrottledApiserverOptions,
): Promise<ThrottledApiserver> {
  const harness = await startHarness(binary, {
    ...(options.eventRateLimit !== undefined ? { eventRateLimit: options.eventRateLimit } : {}),
    ...(options.maxRequestsInflight !== undefined
      ? { maxRequestsInflight: options.maxRequestsInflight }
      : options.apf !== undefined
        ? { maxRequestsInflight: { readOnly: 100, mutating: 50 } }
        : {}),
  });
  try {
    const admin = await connect({ kubeconfig: harness.info.kubeconfigs.admin, retry: false });
    const throttled: ThrottledApiserver['throttled'] = {};
    for (const identity of options.apf?.identities ?? []) {
      // The harness's identities authenticate as users of the same names (test/apiserver/identities.go).
      const objects = await throttleUser(admin, {
        user: identity,
        ...(options.apf?.limitResponse !== undefined ? { limitResponse: options.apf.limitResponse } : {}),
        ...(options.apf?.shares !== undefined ? { nominalConcurrencyShares: options.apf.shares } : {}),
      });
      const as = await connect({ kubeconfig: harness.info.kubeconfigs[identity] });
      try {
        await waitUntilClassified(as, objects);
      } finally {
        await as.close();
      }
      throttled[identity] = objects;
    }
    return {
      harness,
      admin,
      throttled,
      stop: async () => {
        await admin.close();
        await harness.stop();
      },
    };
  } catch (error) {
    await harness.stop();
    throw error;
  }
}
