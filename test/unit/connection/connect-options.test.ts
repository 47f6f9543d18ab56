/**
 * connect()'s options as a JavaScript caller may pass them: every wrong value is a ValidationError
 * naming the option (never a TypeError, never a timer that fires at once); `undefined` is absent,
 * `null` is refused; unknown names are refused at every level.
 */
import { describe, expect, it } from 'vitest';
import { connect, type ConnectOptions } from '../../../src/connection/index.ts';
import { MAX_TIMER_MS } from '../../../src/connection/options.ts';
import { ValidationError } from '../../../src/errors.ts';

const kubeconfig = {
  clusters: [{ name: 'local', cluster: { server: 'http://127.0.0.1:9' } }],
  users: [{ name: 'u', user: { token: 't' } }],
  contexts: [{ name: 'c', context: { cluster: 'local', user: 'u' } }],
  'current-context': 'c',
};

async function refusal(options: unknown): Promise<ValidationError> {
  const given = typeof options === 'object' && options !== null ? { kubeconfig, ...options } : options;
  const error = await connect(given as ConnectOptions).then(
    async (conn) => {
      await conn.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

const MS = /must be a number of milliseconds > 0/;
const TOO_LONG = new RegExp(`must be at most ${MAX_TIMER_MS} ms \\(2\\^31 − 1, about 24\\.8 days`);

describe('connect(options): refused with a ValidationError naming the option', () => {
  it.each<[string, unknown, string, RegExp]>([
    // Not an options object at all.
    ['null options', null, 'options', /must be an object, got null/],
    ['a string for options', '/home/me/.kube/config', 'options', /must be an object, got "\/home\/me\/\.kube\/config"/],
    // Unknown names, at every level.
    [
      'a misspelt option',
      { kubeConfig: 'x' },
      'options.kubeConfig',
      /unknown option \(did you mean kubeconfig\?\); known: kubeconfig, context/,
    ],
    ['an option that does not exist', { retries: 3 }, 'options.retries', /^options\.retries: unknown option; known: /],
    [
      'an unknown retry field',
      { retry: { maxRetry: 1 } },
      'options.retry.maxRetry',
      /unknown option; known: maxRetries, baseDelayMs, maxDelayMs/,
    ],
    [
      'an unknown rateLimit field',
      { rateLimit: { qps: 5, brust: 1 } },
      'options.rateLimit.brust',
      /unknown option; known: qps, burst/,
    ],
    // null is not "absent".
    ['timeoutMs null', { timeoutMs: null }, 'options.timeoutMs', /got null/],
    ['execTimeoutMs null', { execTimeoutMs: null }, 'options.execTimeoutMs', /got null/],
    ['retry null', { retry: null }, 'options.retry', /must be an object or false, got null/],
    ['rateLimit null', { rateLimit: null }, 'options.rateLimit', /must be an object or false, got null/],
    ['retry.maxRetries null', { retry: { maxRetries: null } }, 'options.retry.maxRetries', /got null/],
    ['kubeconfig null', { kubeconfig: null }, 'options.kubeconfig', /got null/],
    ['warn null', { warn: null }, 'options.warn', /must be a function, got null/],
    ['env null', { env: null }, 'options.env', /got null/],
    // Durations: > 0, finite, at most Node's longest timer.
    ['execTimeoutMs 0 (it killed the plugin at once)', { execTimeoutMs: 0 }, 'options.execTimeoutMs', MS],
    ['execTimeoutMs -1', { execTimeoutMs: -1 }, 'options.execTimeoutMs', MS],
    ['execTimeoutMs NaN', { execTimeoutMs: Number.NaN }, 'options.execTimeoutMs', MS],
    ['execTimeoutMs Infinity', { execTimeoutMs: Number.POSITIVE_INFINITY }, 'options.execTimeoutMs', MS],
    ['execTimeoutMs "1000"', { execTimeoutMs: '1000' }, 'options.execTimeoutMs', /got "1000"/],
    ['execTimeoutMs 2^31', { execTimeoutMs: 2 ** 31 }, 'options.execTimeoutMs', TOO_LONG],
    ['timeoutMs 0', { timeoutMs: 0 }, 'options.timeoutMs', MS],
    ['timeoutMs 2^31', { timeoutMs: 2 ** 31 }, 'options.timeoutMs', TOO_LONG],
    ['retry.baseDelayMs 0', { retry: { baseDelayMs: 0 } }, 'options.retry.baseDelayMs', MS],
    ['retry.maxDelayMs 2^31', { retry: { maxDelayMs: 2 ** 31 } }, 'options.retry.maxDelayMs', TOO_LONG],
    [
      'retry.maxRetries -1',
      { retry: { maxRetries: -1 } },
      'options.retry.maxRetries',
      /must be a whole number ≥ 0, got -1/,
    ],
    ['retry.maxRetries 1.5', { retry: { maxRetries: 1.5 } }, 'options.retry.maxRetries', /whole number/],
    ['retry true', { retry: true }, 'options.retry', /must be an object or false, got true/],
    ['rateLimit.qps 0', { rateLimit: { qps: 0 } }, 'options.rateLimit.qps', /requests per second > 0, got 0/],
    ['rateLimit.burst 0', { rateLimit: { burst: 0 } }, 'options.rateLimit.burst', /whole number ≥ 1, got 0/],
    ['maxConnections 0', { maxConnections: 0 }, 'options.maxConnections', /positive integer or false/],
    ['maxConnections "4"', { maxConnections: '4' }, 'options.maxConnections', /got "4"/],
    ['maxConnections true', { maxConnections: true }, 'options.maxConnections', /got true/],
    // Types and shapes of the others.
    ['http2 "yes"', { http2: 'yes' }, 'options.http2', /must be true or false, got "yes"/],
    ['inCluster 1', { inCluster: 1 }, 'options.inCluster', /must be true or false, got 1/],
    ['context ""', { context: '' }, 'options.context', /non-empty string/],
    ['context 5', { context: 5 }, 'options.context', /non-empty string, got 5/],
    ['namespace with capitals', { namespace: 'Team_A' }, 'options.namespace', /namespace name/],
    ['namespace ""', { namespace: '' }, 'options.namespace', /non-empty string/],
    [
      'userAgent with a line break',
      { userAgent: 'ua\r\nX-Injected: 1' },
      'options.userAgent',
      /without control characters/,
    ],
    [
      'fieldManager over 128 characters',
      { fieldManager: 'm'.repeat(129) },
      'options.fieldManager',
      /129 characters; the apiserver allows at most 128/,
    ],
    ['warn a string', { warn: 'console.log' }, 'options.warn', /must be a function/],
    ['env a string', { env: 'PATH=/bin' }, 'options.env', /object of environment variables/],
    ['env with a number', { env: { RETRIES: 3 } }, 'options.env.RETRIES', /must be a string, got a number/],
    ['serviceAccountDir 7', { serviceAccountDir: 7 }, 'options.serviceAccountDir', /non-empty string/],
    [
      'kubeconfig 42',
      { kubeconfig: 42 },
      'options.kubeconfig',
      /a path, a list of paths or a kubeconfig object, got 42/,
    ],
    ['kubeconfig list with a number', { kubeconfig: ['a', 3] }, 'options.kubeconfig[1]', /must be a path, got 3/],
    [
      'inCluster with a kubeconfig',
      { inCluster: true },
      'options.inCluster',
      /cannot be combined with kubeconfig or context/,
    ],
  ])('%s', async (_name, options, field, message) => {
    const error = await refusal(options);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
  });

  it('never shows the content of an object or an environment variable', async () => {
    const error = await refusal({ env: { TOKEN: 'SECRET', N: { value: 'SECRET' } } });
    expect(error.message).toBe('options.env.N: must be a string, got an object');
  });
});

describe('connect(options): what is accepted', () => {
  it('undefined is the same as leaving an option out, at every level', async () => {
    const conn = await connect({
      kubeconfig,
      context: undefined,
      timeoutMs: undefined,
      execTimeoutMs: undefined,
      retry: { maxRetries: undefined, baseDelayMs: 10 },
      rateLimit: { qps: undefined },
      maxConnections: undefined,
    });
    expect(conn.timeoutMs).toBe(30_000);
    await conn.close();
  });

  it('the longest timer, false for retry, rateLimit and maxConnections, and a client-node-shaped object', async () => {
    const conn = await connect({
      kubeconfig,
      timeoutMs: MAX_TIMER_MS,
      execTimeoutMs: MAX_TIMER_MS,
      retry: false,
      rateLimit: false,
      maxConnections: false,
      http2: true,
      namespace: 'team-a',
      fieldManager: 'm'.repeat(128),
      userAgent: 'my-controller/1.0 (linux)',
      env: { PATH: '/bin', UNSET: undefined },
    });
    expect(conn.namespace).toBe('team-a');
    await conn.close();
  });
});
