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
}

export function heyApiConfig({ spec, outputDir, header }: GeneratorInput): UserConfig {
  return {
    input: spec,
    output: {
      path: outputDir,
      clean: true,
      header: () => header,
      // Relative imports end in .ts like the rest of src/, rewritten to .js by tsc for dist/.
      module: { extension: '.ts' },
    },
    plugins: ['@hey-api/client-ky', '@hey-api/typescript', '@hey-api/sdk'],
    logs: { level: 'silent', file: false },
  };
}
