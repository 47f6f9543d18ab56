/**
 * Entry point of `npm run codegen` and `npm run codegen:check`: argv → generate | check. No logic of
 * its own. (`npm run spec:pull` is the CLI's `spec pull`: reading a cluster needs src/connection, and
 * codegen/ imports nothing from src/.)
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { check } from './check.ts';
import { generate, REPOSITORY_OUTPUT } from './generate.ts';
import { displayPath, GENERATED_DIR, newestVersion, specPathForVersion } from './spec-files.ts';

const USAGE = `usage:
  node codegen/main.ts generate [--k8s <version> | --spec <file>] [--out <dir>]
  node codegen/main.ts check`;

class UsageError extends Error {}

async function run(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'generate': {
      const { values } = parseArgs({
        args: rest,
        options: { k8s: { type: 'string' }, spec: { type: 'string' }, out: { type: 'string' } },
        strict: true,
      });
      if (values.k8s !== undefined && values.spec !== undefined) throw new UsageError('give --k8s or --spec, not both');
      const specFile =
        values.spec !== undefined ? resolve(values.spec) : specPathForVersion(values.k8s ?? newestVersion());
      // This repository's layout (.ts imports, runtime type-checked); `kube-events codegen` makes a user project's.
      const outDir = values.out !== undefined ? resolve(values.out) : GENERATED_DIR;
      const result = await generate(specFile, outDir, REPOSITORY_OUTPUT);
      console.log(
        `generated ${displayPath(result.outputDir)} from ${displayPath(specFile)} in ${Math.round(result.milliseconds)} ms`,
      );
      return;
    }
    case 'check': {
      parseArgs({ args: rest, options: {}, strict: true });
      const problems = await check({ log: (line) => console.log(line) });
      if (problems.length > 0) {
        for (const problem of problems) console.error(problem);
        process.exitCode = 1;
      } else {
        console.log('codegen:check ok');
      }
      return;
    }
    default:
      throw new UsageError(command === undefined ? 'missing command' : `unknown command "${command}"`);
  }
}

try {
  await run(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`codegen: ${(error as Error).message}\n${USAGE}`);
    process.exitCode = 2;
  } else {
    console.error(`codegen: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
