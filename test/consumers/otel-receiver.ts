/**
 * Runs otel-k8sevents (the OpenTelemetry Collector's k8seventsreceiver, see main.go) against a
 * cluster and collects the log records it emits, for tests that compare what this consumer sees.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { lineSplitter } from '../../tools/harness/lines.ts';

/** One log record, as main.go prints it. */
export interface ReceiverRecord {
  resource: Record<string, unknown>;
  attributes: Record<string, unknown>;
  timestamp: string;
  body: string;
  severityText: string;
  severityNumber: number;
}

export interface RunningReceiver {
  readonly records: ReceiverRecord[];
  /** When the receiver was created: it drops Events whose timestamp is older. */
  readonly readyAt: Date;
  /** Resolves with the records matching `accept` once `done` holds for them; rejects after `timeoutMs`. */
  waitFor(
    accept: (record: ReceiverRecord) => boolean,
    done: (matching: ReceiverRecord[]) => boolean,
    timeoutMs?: number,
  ): Promise<ReceiverRecord[]>;
  stop(): Promise<void>;
}

export function startReceiver(binary: string, kubeconfig: string, namespace: string): Promise<RunningReceiver> {
  const child: ChildProcess = spawn(binary, ['--kubeconfig', kubeconfig, '--namespace', namespace], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const records: ReceiverRecord[] = [];
  let stderr = '';
  let exited = false;
  return new Promise((resolvePromise, reject) => {
    const failStart = (why: string): void => reject(new Error(`otel-k8sevents ${why}:\n${stderr.slice(-2000)}`));
    const stdout = lineSplitter((line) => {
      if (line.trim() === '') return;
      const parsed = JSON.parse(line) as ReceiverRecord | { ready: string };
      if ('ready' in parsed) resolvePromise(running(new Date(parsed.ready)));
      else records.push(parsed);
    });
    child.stdout?.setEncoding('utf8').on('data', stdout.push);
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => void (stderr += chunk));
    child.on('error', (error) => failStart(`did not start: ${error.message}`));
    child.on('exit', (code) => {
      exited = true;
      failStart(`exited with ${String(code)} before it was ready`);
    });
  });

  function running(readyAt: Date): RunningReceiver {
    return {
      records,
      readyAt,
      async waitFor(accept, done, timeoutMs = 20_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const matching = records.filter(accept);
          if (done(matching)) return matching;
          if (exited) throw new Error(`otel-k8sevents exited:\n${stderr.slice(-2000)}`);
          if (Date.now() > deadline) {
            throw new Error(
              `otel-k8sevents: no matching records after ${timeoutMs} ms; got ${JSON.stringify(matching.at(-1) ?? records.at(-1))}`,
            );
          }
          await new Promise((resolveWait) => setTimeout(resolveWait, 100));
        }
      },
      stop: () =>
        new Promise<void>((resolveStop) => {
          if (exited) return resolveStop();
          child.once('exit', () => resolveStop());
          child.kill('SIGTERM');
        }),
    };
  }
}
