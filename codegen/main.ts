/**
 * Entry point of `npm run codegen`, `npm run codegen:check` and `npm run spec:pull`:
 * argv → generate | check | pull. No logic of its own.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { check } from './check.ts';
import { generate } from './generate.ts';
import { pullSpec } from './pull-spec.ts';
import { displayPath, GENERATED_DIR, newestVersion, specPathForVersion } from './spec-files.ts';

const USAGE = `usage:
  node codegen/main.ts generate [--k8s <version> | --spec <file>] [--out <dir>]
  node codegen/main.ts check
  node codegen/main.ts pull [--kubeconfig <file>] [--context <name>] [--out-dir <openapi dir>]`;

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
      const result = await generate(specFile, values.out !== undefined ? resolve(values.out) : GENERATED_DIR);
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
    case 'pull': {
      const { values } = parseArgs({
        args: rest,
        options: {
          kubeconfig: { type: 'string' },
          context: { type: 'string' },
          'out-dir': { type: 'string' },
        },
        strict: true,
      });
      const result = await pullSpec({
        ...(values.kubeconfig !== undefined ? { kubeconfig: values.kubeconfig } : {}),
        ...(values.context !== undefined ? { context: values.context } : {}),
        ...(values['out-dir'] !== undefined ? { openapiDir: resolve(values['out-dir']) } : {}),
      });
      console.log(
        `pulled ${result.source.gitVersion} from ${result.source.pulledFrom} into ${displayPath(result.dir)}`,
      );
      console.log(`regenerate with: npm run codegen -- --k8s ${result.source.gitVersion}`);
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
