/** Starts the test apiserver, waits for READY, and stops it; restarts go through its control endpoint. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The harness's ready.json (see test/apiserver/README.md). */
export interface HarnessInfo {
  server: string;
  caFile: string;
  version: string;
  stateDir: string;
  pid: number;
  controlUrl: string;
  apiserverLog: string;
  kubeconfigs: Record<'admin' | 'events-writer' | 'events-creator' | 'cert-writer' | 'nobody', string>;
  tokens: Record<'admin' | 'events-writer' | 'events-creator' | 'nobody', string>;
  clientCert: { 'cert-writer': { certFile: string; keyFile: string } };
  eventTTL: string;
  startedToReadyMs: number;
}

export interface RunningHarness {
  info: HarnessInfo;
  /** SIGTERM, then SIGKILL after 15 s; resolves when the process is gone. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
// Last resort: no harness outlives the test process, whatever way it ends.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface StartOptions {
  /** kube-apiserver --event-ttl, Go duration. @default '1h' */
  eventTtl?: string;
  /** Extra kube-apiserver flags, e.g. `--etcd-compaction-interval=2s`. */
  apiserverArgs?: string[];
  readyTimeoutMs?: number;
  /**
   * Seats of the whole server (kube-apiserver --max-requests-inflight and
   * --max-mutating-requests-inflight; API Priority and Fairness shares their sum among priority
   * levels). @default the apiserver's, 400 and 200
   */
  maxRequestsInflight?: { readOnly: number; mutating: number };
  /**
   * Enables the EventRateLimit admission plugin with these limits (its Configuration's `limits`,
   * eventratelimit.admission.k8s.io/v1alpha1); the admission config file is written here.
   */
  eventRateLimit?: EventRateLimitLimit[];
}

/** One limit of the EventRateLimit admission plugin. */
export interface EventRateLimitLimit {
  type: 'Server' | 'Namespace' | 'User' | 'SourceAndObject';
  qps: number;
  burst: number;
  /** LRU size for the per-key types. */
  cacheSize?: number;
}

/** kube-apiserver flags for `options`' throttling settings; files they name go into `dir`. */
function throttlingArgs(options: StartOptions, dir: () => string): string[] {
  const args: string[] = [];
  const inflight = options.maxRequestsInflight;
  if (inflight !== undefined)
    args.push(`--max-requests-inflight=${inflight.readOnly}`, `--max-mutating-requests-inflight=${inflight.mutating}`);
  if (options.eventRateLimit !== undefined) {
    const file = join(dir(), 'admission.json');
    // JSON is YAML, which is what the apiserver reads; the plugin's config goes inline.
    const config = {
      apiVersion: 'apiserver.config.k8s.io/v1',
      kind: 'AdmissionConfiguration',
      plugins: [
        {
          name: 'EventRateLimit',
          configuration: {
            apiVersion: 'eventratelimit.admission.k8s.io/v1alpha1',
            kind: 'Configuration',
            limits: options.eventRateLimit,
          },
        },
      ],
    };
    writeFileSync(file, JSON.stringify(config, null, 2));
    args.push('--enable-admission-plugins=EventRateLimit', `--admission-control-config-file=${file}`);
  }
  return args;
}

export function startHarness(binary: string, options: StartOptions = {}): Promise<RunningHarness> {
  const readyTimeoutMs = options.readyTimeoutMs ?? 120_000;
  let configDir: string | undefined;
  const throttling = throttlingArgs(options, () => (configDir ??= mkdtempSync(join(tmpdir(), 'kube-events-harness-'))));
  const args = [
    '--event-ttl',
    options.eventTtl ?? '1h',
    '--ready-timeout',
    `${Math.round(readyTimeoutMs / 1000)}s`,
    // The harness exits when our end of its stdin closes: it cannot outlive this process.
    '--exit-on-stdin-eof',
    // Before apiserverArgs, which are appended last so that they override.
    ...[...throttling, ...(options.apiserverArgs ?? [])].map((arg) => `--apiserver-arg=${arg}`),
  ];
  const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(child);
  const stderr: string[] = [];
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr.push(chunk);
    if (stderr.length > 200) stderr.shift();
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      live.delete(child);
      if (configDir !== undefined) rmSync(configDir, { recursive: true, force: true });
      resolve();
    }),
  );
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`the test apiserver was not ready within ${readyTimeoutMs} ms; its log:\n${stderr.join('')}`));
    }, readyTimeoutMs + 10_000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      const match = /^READY (.+)$/m.exec(stdout);
      if (match?.[1] === undefined) return;
      clearTimeout(timer);
      const info = JSON.parse(readFileSync(match[1], 'utf8')) as HarnessInfo;
      resolve({ info, stop });
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(
          `the test apiserver exited before it was ready (${signal ?? `exit ${code ?? '?'}`}); its log:\n${stderr.join('')}`,
        ),
      );
    });
  });
}

/** Calls the harness's control endpoint (restart, stop-apiserver, start-apiserver, status). */
export async function control(
  info: Pick<HarnessInfo, 'controlUrl'>,
  action: 'restart' | 'stop-apiserver' | 'start-apiserver',
): Promise<void> {
  const response = await fetch(`${info.controlUrl}/${action}`, { method: 'POST' });
  if (!response.ok) throw new Error(`harness ${action} failed: ${response.status} ${await response.text()}`);
}
