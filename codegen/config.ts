/** The single hey-api configuration used for every Kubernetes version. */
import type { UserConfig } from '@hey-api/openapi-ts';
import type { OpenApiDocument } from './normalize.ts';

export interface GeneratorInput {
  /** The normalized document (see normalize.ts). */
  spec: OpenApiDocument;
  /** Absolute output folder; hey-api cleans it first. */
  outputDir: string;
  /** Lines written at the top of every generated file. */
  header: string[];
  /** Extension of relative imports between the generated files. */
  importExtension: ImportExtension;
  /**
   * Type-check hey-api's bundled ky runtime (client/ and core/) in the user's project. `false` marks
   * those files `@ts-nocheck`: they are hey-api's own code, the same for every spec, and do not
   * compile under `exactOptionalPropertyTypes` (16 errors in 0.99, all `undefined` passed into optional
   * fields inside the runtime, none in the operations or types a caller uses, which stay checked).
   */
  checkRuntime: boolean;
}

/** The line that keeps tsc out of the bundled runtime (see `checkRuntime`). */
export const RUNTIME_NOCHECK =
  "// @ts-nocheck: hey-api's bundled ky runtime does not compile under exactOptionalPropertyTypes; its types stay checked where used.";

/**
 * `.js`: what a project compiling with tsc (`module: nodenext`, emitting JS) needs, since TypeScript
 * does not rewrite `.ts` imports unless `rewriteRelativeImportExtensions` is on (else TS5097).
 * `.ts`: this repository's src/generated, run directly by Node and rewritten to `.js` by tsc for dist/.
 */
export type ImportExtension = '.js' | '.ts';

export function heyApiConfig({ spec, outputDir, header, importExtension, checkRuntime }: GeneratorInput): UserConfig {
  const runtimeHeader = checkRuntime ? header : [...header, RUNTIME_NOCHECK];
  return {
    input: spec,
    output: {
      path: outputDir,
      clean: true,
      // hey-api renders the files it generates with a `file` in the context, and copies its bundled
      // runtime (client/, core/) with none.
      header: (context) => ('file' in context ? header : runtimeHeader),
      module: { extension: importExtension },
    },
    plugins: ['@hey-api/client-ky', '@hey-api/typescript', '@hey-api/sdk'],
    logs: { level: 'silent', file: false },
  };
}
