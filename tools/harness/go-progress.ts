/**
 * Runs a `go build -v` (directly or through a script) with visible progress: a line every `every`
 * compiled packages and one at the end; other output is kept for the error, and lines `echo`
 * accepts (module downloads, the script's own messages) are shown as they come.
 */
import { spawn } from 'node:child_process';
import { lineSplitter } from './lines.ts';

/** A package name as `go build -v` prints it, one per compiled package. */
export const GO_PACKAGE_LINE = /^[\w.-]+(\/[\w.@+~-]+)*$/;

export interface GoProgressRun {
  command: string;
  args: string[];
  cwd?: string;
  env: NodeJS.ProcessEnv;
  /** Progress lines go here. */
  log: (line: string) => void;
  /** A progress line every this many packages. */
  every: number;
  /** Non-package stderr lines to show at once. */
  echo: (line: string) => boolean;
  /** Names the build in the error, e.g. `building the test apiserver`. */
  what: string;
}

export function runWithGoProgress(run: GoProgressRun): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const started = Date.now();
    const seconds = (): number => Math.round((Date.now() - started) / 1000);
    const child = spawn(run.command, run.args, {
      ...(run.cwd !== undefined ? { cwd: run.cwd } : {}),
      env: run.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let packages = 0;
    const other: string[] = [];
    const stderr = lineSplitter((line) => {
      if (GO_PACKAGE_LINE.test(line)) {
        packages += 1;
        if (packages % run.every === 0) run.log(`  compiled ${packages} packages (${seconds()} s)`);
      } else if (line.trim() !== '') {
        other.push(line);
        if (run.echo(line)) run.log(`  ${line}`);
      }
    });
    child.stderr.setEncoding('utf8').on('data', stderr.push);
    child.stdout.resume();
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) {
        run.log(`  built in ${seconds()} s${packages > 0 ? ` (${packages} packages compiled)` : ''}`);
        resolvePromise();
      } else {
        const output = [...other, stderr.rest()].join('\n');
        reject(new Error(`${run.what} failed (exit ${code ?? 'signal'}):\n${output}`));
      }
    });
  });
}
