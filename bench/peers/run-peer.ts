/** Runs one peer process: its markers as promises, its result, and how it ended. */
import { spawn } from 'node:child_process';
import { lineSplitter } from '../../tools/harness/lines.ts';
import { parseMarker, parsePeerResult, peerArgv, type PeerArgs, type PeerName, type PeerResult } from './contract.ts';

/** How a peer is started: a program and the arguments before the contract's flags. */
export interface PeerCommand {
  name: PeerName;
  command: string;
  args: string[];
}

export interface PeerExit {
  /** Undefined when the peer crashed or printed no valid result. */
  result: PeerResult | undefined;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why `result` is missing, with the end of the peer's stderr. */
  failure: string | undefined;
  exitedAt: number;
}

export interface RunningPeer {
  /** Resolves with the `@started` time (Unix ms), or rejects if the peer ends first. */
  started: Promise<number>;
  published: Promise<number>;
  exited: Promise<PeerExit>;
  /** Ends the peer's stdin (the `--shutdown stdin` signal). */
  closeStdin(): void;
  kill(): void;
}

/** Lines of the peer's stderr kept for a failure message. */
const STDERR_TAIL = 40;

export function runPeer(peer: PeerCommand, args: PeerArgs, options: { timeoutMs: number }): RunningPeer {
  const child = spawn(peer.command, [...peer.args, ...peerArgv(args)], { stdio: ['pipe', 'pipe', 'pipe'] });
  const tail: string[] = [];
  let stdout = '';
  let resolveStarted: (at: number) => void = () => undefined;
  let resolvePublished: (at: number) => void = () => undefined;
  let rejectMarkers: (error: Error) => void = () => undefined;
  const started = new Promise<number>((resolve, reject) => {
    resolveStarted = resolve;
    rejectMarkers = reject;
  });
  const published = new Promise<number>((resolve, reject) => {
    resolvePublished = resolve;
    const previous = rejectMarkers;
    rejectMarkers = (error) => {
      previous(error);
      reject(error);
    };
  });
  // Nobody may be waiting for a marker when the peer fails: that is reported through `exited`.
  started.catch(() => undefined);
  published.catch(() => undefined);

  const stderr = lineSplitter((line) => {
    const marker = parseMarker(line);
    if (marker?.name === 'started') resolveStarted(marker.at);
    else if (marker?.name === 'published') resolvePublished(marker.at);
    else if (line.trim() !== '') {
      tail.push(line);
      if (tail.length > STDERR_TAIL) tail.shift();
    }
  });
  child.stderr.setEncoding('utf8').on('data', stderr.push);
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
  });
  // A peer that exits without reading stdin makes our write fail; that is not an error here.
  child.stdin.on('error', () => undefined);

  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  const exited = new Promise<PeerExit>((resolve) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      rejectMarkers(error);
      resolve({ result: undefined, code: null, signal: null, failure: error.message, exitedAt: Date.now() });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const exitedAt = Date.now();
      rejectMarkers(new Error(`${peer.name} exited before its markers`));
      let result: PeerResult | undefined;
      let failure: string | undefined;
      if (code !== 0) {
        failure = `${peer.name} ended with ${signal ?? `exit ${code ?? '?'}`}`;
      } else {
        try {
          result = parsePeerResult(stdout, peer.name);
        } catch (error) {
          failure = error instanceof Error ? error.message : String(error);
        }
      }
      if (failure !== undefined && tail.length > 0) failure += `\n  ${peer.name} stderr:\n    ${tail.join('\n    ')}`;
      resolve({ result, code, signal, failure, exitedAt });
    });
  });
  return {
    started,
    published,
    exited,
    closeStdin: () => child.stdin.end(),
    kill: () => child.kill('SIGKILL'),
  };
}
