#!/usr/bin/env node
/**
 * The `kube-events` command: dispatch to a command, and turn what goes wrong into one line and an
 * exit code (2: bad usage, with a hint; 1: the cluster or the event; stack traces only with --debug).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ValidationError } from '../errors.ts';
import { VERSION } from '../version.ts';
import { EXIT, oneLine, UsageError, type CliIo } from './args.ts';
import { listCommand } from './events.ts';
import { publishCommand } from './publish.ts';
import { codegenCommand, specCommand } from './spec.ts';
import { watchCommand } from './watch.ts';

/** Help of `kube-events`. */
export const MAIN_USAGE = `kube-events: publish and read Kubernetes Events (events.k8s.io/v1).

Usage:
  kube-events <command> [flags]

Commands:
  publish   publish an Event about an object (a series with --count)
  list      list Events like \`kubectl events\`
  watch     print Events as they happen, until interrupted
  spec      spec pull: store your cluster's events.k8s.io/v1 OpenAPI spec
  codegen   generate the typed client from a spec (needs @hey-api/openapi-ts)

Run 'kube-events <command> --help' for a command's flags.
kube-events --version prints the version.`;

const COMMANDS: Record<string, (argv: string[], io: CliIo) => Promise<number>> = {
  publish: publishCommand,
  list: listCommand,
  watch: watchCommand,
  spec: specCommand,
  codegen: codegenCommand,
};

/** Flags named in a ValidationError's field, for the message (`reason` is set by --reason). */
const FLAG_OF_FIELD: Record<string, string> = {
  type: '--type',
  reason: '--reason',
  action: '--action',
  note: '--note',
  'reporter.controller': '--controller',
  'reporter.instance': '--instance',
  'env.POD_NAME': '--instance',
  'regarding.uid': '--uid',
  // The context's namespace, when no -n was given (a -n is checked as a usage error).
  'regarding.namespace': '--namespace',
};

function describeError(error: unknown): string {
  if (error instanceof ValidationError) {
    const flag = FLAG_OF_FIELD[error.field];
    return `invalid event: ${oneLine(error.message)}${flag !== undefined ? ` (${flag})` : ''}`;
  }
  return oneLine(error instanceof Error ? error.message : String(error));
}

function stackOf(error: unknown): string {
  const lines: string[] = [];
  for (let current = error, depth = 0; current !== undefined && depth < 5; depth++) {
    lines.push(current instanceof Error ? (current.stack ?? current.message) : JSON.stringify(current));
    current = current instanceof Error ? current.cause : undefined;
    if (current !== undefined) lines.push('Caused by:');
  }
  return lines.join('\n');
}

/**
 * Runs the command line `argv` (without `node` and the script) and resolves with the exit code.
 * Never throws: every failure is written to `io.stderr`.
 * @example process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
 */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  const debug = argv.includes('--debug');
  try {
    if (command === undefined) {
      io.stderr.write(`${MAIN_USAGE}\n`);
      return EXIT.usage;
    }
    if (command === '--help' || command === '-h' || command === 'help') {
      io.stdout.write(`${MAIN_USAGE}\n`);
      return EXIT.ok;
    }
    if (command === '--version') {
      io.stdout.write(`kube-events ${VERSION}\n`);
      return EXIT.ok;
    }
    const run = COMMANDS[command];
    if (run === undefined) {
      throw new UsageError(
        command.startsWith('-') ? `the command comes first, got flag ${command}` : `unknown command "${command}"`,
        `Commands: ${Object.keys(COMMANDS).join(', ')}. Run 'kube-events --help' for usage.`,
      );
    }
    // --help wins over any other problem with the flags.
    if (rest.includes('--help') || rest.includes('-h')) return await run(['--help'], io);
    return await run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`kube-events: ${error.message}\n${error.hint}\n`);
      return EXIT.usage;
    }
    io.stderr.write(`kube-events: ${describeError(error)}\n`);
    if (debug) io.stderr.write(`${stackOf(error)}\n`);
    return EXIT.failure;
  }
}

/** Whether this module is the program (`node src/cli/main.ts`, `node dist/src/cli/main.js`, the npm bin link). */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

/** Runs as a process: signals end `watch` cleanly (a second one exits at once); stdout closing early is fine. */
async function runProcess(): Promise<void> {
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stop.signal.aborted) process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    stop.abort();
    // Only watch runs until told to stop; other commands stop at once, as without a handler.
    if (process.argv[2] !== 'watch') process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT.ok);
  });
  const code = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    signal: stop.signal,
  });
  process.exitCode = code;
  // Nothing should keep the process alive now; if something does (a stray socket), do not hang.
  setTimeout(() => process.exit(code), 2_000).unref();
}

if (isEntryPoint()) await runProcess();
