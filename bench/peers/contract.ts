/** The peer contract of bench/peers/CONTRACT.md as types, with its parsing on both sides. */

export type PeerName = 'kube-events' | 'client-go' | 'kube-rs';
export const PEER_NAMES: readonly PeerName[] = ['kube-events', 'client-go', 'kube-rs'];

export type PeerScenario = 'storm' | 'distinct';

export interface PeerArgs {
  kubeconfig: string;
  scenario: PeerScenario;
  namespace: string;
  name: string;
  publishes: number;
  durationMs: number;
  shutdown: 'immediate' | 'stdin';
  graceMs: number;
  /** Storm only: distinct publishes (`NAME-0` …) issued at once just before the storm (a fleet agent's startup). */
  distinctPublishes: number;
}

/** The one JSON line a peer prints. */
export interface PeerResult {
  peer: PeerName;
  library: string;
  version: string;
  scenario: PeerScenario;
  publishes: number;
  startedAt: number;
  publishedAt: number;
  maxLagMs: number;
  errorsSurfaced: number;
  shutdownMs: number;
  shutdownTimedOut: boolean;
  cpuSeconds: number;
  peakRssBytes: number;
  /** Publishes the library itself reported as never reaching the server (kube-events: dropped + lost); absent where a library cannot say. */
  reportedLost?: number;
}

export class PeerUsageError extends Error {
  override name = 'PeerUsageError';
}

function positiveInt(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0)
    throw new PeerUsageError(`--${flag} must be a positive integer, got "${value}"`);
  return number;
}

function nonNegativeInt(flag: string, value: string | undefined): number {
  if (value === undefined) return 0;
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number))
    throw new PeerUsageError(`--${flag} must be an integer ≥ 0, got "${value}"`);
  return number;
}

function required(flag: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new PeerUsageError(`--${flag} is required`);
  return value;
}

/** Flags as node:util parseArgs returns them → PeerArgs, with the contract's defaults. */
export function parsePeerArgs(values: Record<string, string | boolean | undefined>): PeerArgs {
  const text = (flag: string): string | undefined => {
    const value = values[flag];
    return typeof value === 'string' ? value : undefined;
  };
  const scenario = required('scenario', text('scenario'));
  if (scenario !== 'storm' && scenario !== 'distinct') {
    throw new PeerUsageError(`--scenario must be storm or distinct, got "${scenario}"`);
  }
  const shutdown = text('shutdown') ?? 'immediate';
  if (shutdown !== 'immediate' && shutdown !== 'stdin') {
    throw new PeerUsageError(`--shutdown must be immediate or stdin, got "${shutdown}"`);
  }
  const distinctPublishes = nonNegativeInt('distinct-publishes', text('distinct-publishes'));
  if (distinctPublishes > 0 && scenario !== 'storm') {
    throw new PeerUsageError('--distinct-publishes is for the storm scenario only');
  }
  return {
    kubeconfig: required('kubeconfig', text('kubeconfig')),
    scenario,
    namespace: required('namespace', text('namespace')),
    name: required('name', text('name')),
    publishes: positiveInt('publishes', text('publishes'), scenario === 'storm' ? 10_000 : 1_000),
    durationMs: positiveInt('duration-ms', text('duration-ms'), 60_000),
    shutdown,
    graceMs: positiveInt('grace-ms', text('grace-ms'), 10_000),
    distinctPublishes,
  };
}

/** PeerArgs → the command line every peer takes. */
export function peerArgv(args: PeerArgs): string[] {
  return [
    '--kubeconfig',
    args.kubeconfig,
    '--scenario',
    args.scenario,
    '--namespace',
    args.namespace,
    '--name',
    args.name,
    '--publishes',
    String(args.publishes),
    '--duration-ms',
    String(args.durationMs),
    '--shutdown',
    args.shutdown,
    '--grace-ms',
    String(args.graceMs),
    // Left out when 0, so the command line of the older scenarios is unchanged.
    ...(args.distinctPublishes > 0 ? ['--distinct-publishes', String(args.distinctPublishes)] : []),
  ];
}

/** A `@started <ms>` / `@published <ms>` line, or undefined for free-form logging. */
export function parseMarker(line: string): { name: 'started' | 'published'; at: number } | undefined {
  const match = /^@(started|published) (\d+(?:\.\d+)?)\s*$/.exec(line);
  if (match === null) return undefined;
  return { name: match[1] as 'started' | 'published', at: Number(match[2]) };
}

const NUMBER_FIELDS = [
  'publishes',
  'startedAt',
  'publishedAt',
  'maxLagMs',
  'errorsSurfaced',
  'shutdownMs',
  'cpuSeconds',
  'peakRssBytes',
] as const;

/** The peer's stdout → its result; throws naming what is missing or malformed. */
export function parsePeerResult(stdout: string, expected: PeerName): PeerResult {
  const lines = stdout.split('\n').filter((line) => line.trim() !== '');
  if (lines.length !== 1) throw new Error(`${expected}: expected one JSON line on stdout, got ${lines.length}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(lines[0] ?? '');
  } catch {
    throw new Error(`${expected}: stdout is not JSON: ${(lines[0] ?? '').slice(0, 200)}`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`${expected}: the result is not an object`);
  const record = parsed as Record<string, unknown>;
  if (record.peer !== expected) throw new Error(`${expected}: the result names peer ${String(record.peer)}`);
  for (const field of NUMBER_FIELDS) {
    if (typeof record[field] !== 'number' || !Number.isFinite(record[field])) {
      throw new Error(`${expected}: result field ${field} is not a number`);
    }
  }
  for (const field of ['library', 'version', 'scenario'] as const) {
    if (typeof record[field] !== 'string') throw new Error(`${expected}: result field ${field} is not a string`);
  }
  if (record.reportedLost !== undefined && (typeof record.reportedLost !== 'number' || !(record.reportedLost >= 0)))
    throw new Error(`${expected}: result field reportedLost is not a number ≥ 0`);
  if (typeof record.shutdownTimedOut !== 'boolean')
    throw new Error(`${expected}: result field shutdownTimedOut is not a boolean`);
  return record as unknown as PeerResult;
}
