/**
 * What every command shares: the I/O it is given, flag parsing with `node:util` parseArgs, usage
 * errors (exit 2), the connection flags (like kubectl's) and colours.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { connect, type Connection } from '../connection/index.ts';
import type { RetryOptions } from '../connection/retry.ts';
import { KubeEventsError } from '../errors.ts';
import { isDnsLabel } from '../util/event-name.ts';

/** Where a command reads and writes; injected so that tests run commands in-process. */
export interface CliIo {
  stdout: { write(chunk: string): unknown; isTTY?: boolean | undefined };
  stderr: { write(chunk: string): unknown; isTTY?: boolean | undefined };
  /** KUBECONFIG, NO_COLOR, proxies. */
  env: NodeJS.ProcessEnv;
  /** Aborted on SIGINT/SIGTERM: long-running commands (watch) end cleanly. */
  signal?: AbortSignal | undefined;
  /** Epoch ms, for ages. @default Date.now */
  now?: (() => number) | undefined;
}

/** Exit codes: 0 success, 1 a runtime failure (cluster, permissions, a rejected event), 2 bad usage. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/**
 * Connection retries of the CLI: fewer than a controller's (10), so that an unreachable cluster is
 * reported in a few seconds; `watch` retries on its own, forever.
 */
export const CLI_RETRY: Required<RetryOptions> = { maxRetries: 3, baseDelayMs: 250, maxDelayMs: 2_000 };

/** Bad command-line input: reported as one line plus a hint, exit code 2. */
export class UsageError extends KubeEventsError {
  override name = 'UsageError';
  /** What to do, e.g. `Run 'kube-events publish --help' for usage.` */
  readonly hint: string;
  constructor(message: string, hint: string) {
    super(message);
    this.hint = hint;
  }
}

/** The hint of most usage errors of `command`. */
export const helpHint = (command?: string): string =>
  `Run 'kube-events ${command !== undefined ? `${command} ` : ''}--help' for usage.`;

type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags of every command that talks to a cluster. */
export const CONNECTION_OPTIONS = {
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/** Help text of the flags in {@link CONNECTION_OPTIONS}. */
export const CONNECTION_HELP = `Connection flags (as kubectl's):
      --kubeconfig PATH     kubeconfig file (default: KUBECONFIG, ~/.kube/config, then in-cluster)
      --context NAME        kubeconfig context (default: its current-context)
  -n, --namespace NS        namespace (default: the context's, else "default")
      --debug               show stack traces of errors
  -h, --help                show this help`;

/** One line of parseArgs' message, e.g. "Unknown option '--foo'. To specify…" → "unknown flag --foo". */
function parseProblem(error: unknown): string {
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  const flag = /'(-[^']*)'/.exec(text)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag !== undefined) return `unknown flag ${flag}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const long = /--([a-z][-a-z]*)/.exec(text)?.[1];
    const name = long !== undefined ? `--${long}` : (flag ?? '');
    if (/argument missing/.test(text)) return `flag ${name} needs a value`;
    // `--reason --action A`: the next word is a flag, so --reason got no value.
    if (/argument is ambiguous/.test(text)) {
      return `flag ${name} needs a value (the next word is a flag; for a value that starts with "-", write ${name}=-…)`;
    }
    if (long !== undefined) return `flag --${long} does not take a value`;
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument ${text.split("'")[1] ?? ''}`;
  return (text.split('\n')[0] ?? text).replace(/\.$/, '');
}

/** String flags whose value may be empty (`--note ""` is an empty note; `--instance ""` the default). */
const MAY_BE_EMPTY: ReadonlySet<string> = new Set(['note', 'instance']);

/**
 * parseArgs in strict mode; its errors become {@link UsageError}s naming the flag. Beyond
 * parseArgs, a string flag given twice (the first value would be lost), an empty value (but for
 * `--note` and `--instance`) and a `--namespace` that is not a DNS label are usage errors too.
 * @example const { values, positionals } = parseFlags('list', argv, EVENTS_OPTIONS);
 */
export function parseFlags<const O extends Options>(command: string, argv: string[], options: O) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true, tokens: true });
  } catch (error) {
    throw new UsageError(parseProblem(error), helpHint(command));
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option' || options[token.name]?.type !== 'string') continue;
    if (seen.has(token.name)) throw new UsageError(`flag --${token.name} is given twice`, helpHint(command));
    seen.add(token.name);
    if (token.value === '' && !MAY_BE_EMPTY.has(token.name)) {
      throw new UsageError(`flag --${token.name} needs a value, got ""`, helpHint(command));
    }
  }
  const namespace: unknown = (parsed.values as Record<string, unknown>).namespace;
  if (typeof namespace === 'string' && !isDnsLabel(namespace)) {
    throw new UsageError(
      `--namespace: "${namespace}" is not a namespace name (a DNS label: at most 63 lowercase letters, digits or "-", no ".")`,
      helpHint(command),
    );
  }
  const { values, positionals } = parsed;
  return { values, positionals };
}

/** The values of the connection flags, as parseArgs returns them. */
export interface ConnectionFlags {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  namespace?: string | undefined;
}

/** connect() the way the flags and the environment say, with the CLI's short retries. */
export function connectFromFlags(flags: ConnectionFlags, io: CliIo): Promise<Connection> {
  return connect({
    ...(flags.kubeconfig !== undefined ? { kubeconfig: flags.kubeconfig } : {}),
    ...(flags.context !== undefined ? { context: flags.context } : {}),
    ...(flags.namespace !== undefined ? { namespace: flags.namespace } : {}),
    env: io.env,
    retry: CLI_RETRY,
    warn: (message) => io.stderr.write(`kube-events: warning: ${oneLine(message)}\n`),
  });
}

/** A required string flag. */
export function requireFlag(command: string, name: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new UsageError(`missing flag --${name}`, helpHint(command));
  return value;
}

/** Colours only on a terminal, and never with NO_COLOR set (https://no-color.org). */
export function useColour(io: CliIo): boolean {
  const noColour = io.env.NO_COLOR;
  return io.stdout.isTTY === true && (noColour === undefined || noColour === '');
}

/** Text on one line: newlines and the indentation after them become one space. */
export const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ').trim();
