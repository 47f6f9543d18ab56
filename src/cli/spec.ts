/**
 * `kube-events spec pull` and `kube-events codegen`: regenerate the typed client for your cluster's
 * Kubernetes version (see docs/codegen.md). codegen needs @hey-api/openapi-ts installed.
 */
import { resolve } from 'node:path';
import { pullSpec } from './spec-pull.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, EXIT, helpHint, parseFlags, UsageError, type CliIo } from './args.ts';

export const SPEC_USAGE = `kube-events spec pull: store your cluster's events.k8s.io/v1 OpenAPI spec as <out-dir>/<gitVersion>/.

Usage:
  kube-events spec pull [--out-dir DIR] [--kubeconfig PATH] [--context NAME]

Flags:
      --out-dir DIR         where version folders go (default: ./openapi)

${CONNECTION_HELP}`;

export const CODEGEN_USAGE = `kube-events codegen: generate the typed events.k8s.io/v1 client from a spec.

Usage:
  kube-events codegen --out DIR [--k8s VERSION | --spec FILE] [--openapi-dir DIR]

Flags:
      --out DIR             output folder (replaced whole; left untouched on error)
      --k8s VERSION         a version folder of --openapi-dir, e.g. v1.36.3 (default: the newest)
      --spec FILE           any events.k8s.io/v1 OpenAPI v3 file instead
      --openapi-dir DIR     version folders from spec pull (default: ./openapi)
      --import-extension .js|.ts
                            extension of imports between generated files (default: .js, for tsc with
                            module nodenext; .ts for projects run from source with rewriteRelativeImportExtensions)
  -h, --help                this help
      --debug               stack traces on failure

Needs @hey-api/openapi-ts and TypeScript 6 (npm install --save-dev @hey-api/openapi-ts@0.99 typescript@6).`;

export async function specCommand(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h') {
    io.stdout.write(`${SPEC_USAGE}\n`);
    return EXIT.ok;
  }
  if (sub !== 'pull')
    throw new UsageError(
      sub === undefined ? 'spec needs a subcommand' : `unknown spec subcommand "${sub}"`,
      helpHint('spec'),
    );
  const { values } = parseFlags('spec', rest, { ...CONNECTION_OPTIONS, 'out-dir': { type: 'string' } });
  const result = await pullSpec({
    ...(values.kubeconfig !== undefined ? { kubeconfig: values.kubeconfig } : {}),
    ...(values.context !== undefined ? { context: values.context } : {}),
    openapiDir: resolve(values['out-dir'] ?? 'openapi'),
  });
  io.stdout.write(`pulled ${result.source.gitVersion} from ${result.source.pulledFrom} into ${result.dir}\n`);
  io.stdout.write(`generate with: kube-events codegen --k8s ${result.dir.split(/[\\/]/).at(-1) ?? ''} --out <dir>\n`);
  return EXIT.ok;
}

export async function codegenCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags('codegen', argv, {
    out: { type: 'string' },
    k8s: { type: 'string' },
    spec: { type: 'string' },
    'openapi-dir': { type: 'string' },
    'import-extension': { type: 'string' },
    debug: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    io.stdout.write(`${CODEGEN_USAGE}\n`);
    return EXIT.ok;
  }
  if (values.out === undefined) throw new UsageError('codegen needs --out DIR', helpHint('codegen'));
  if (values.k8s !== undefined && values.spec !== undefined)
    throw new UsageError('give --k8s or --spec, not both', helpHint('codegen'));
  const importExtension = values['import-extension'] ?? '.js';
  if (importExtension !== '.js' && importExtension !== '.ts')
    throw new UsageError(`--import-extension must be .js or .ts, got "${importExtension}"`, helpHint('codegen'));
  // Loaded on use: the other commands do not need the generator or hey-api.
  const { generate } = await import('../../codegen/generate.ts');
  const { newestVersion, specPathForVersion } = await import('../../codegen/spec-files.ts');
  const openapiDir = resolve(values['openapi-dir'] ?? 'openapi');
  const specFile =
    values.spec !== undefined
      ? resolve(values.spec)
      : specPathForVersion(values.k8s ?? newestVersion(openapiDir), openapiDir);
  const result = await generate(specFile, resolve(values.out), { importExtension });
  io.stdout.write(`generated ${result.outputDir} from ${specFile} in ${Math.round(result.milliseconds)} ms\n`);
  return EXIT.ok;
}
