import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['src/generated/**', 'dist/**', 'node_modules/**', '.cache/**', 'test/apiserver/**', 'docs/**'] },
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unnecessary-condition': 'off',
      '@typescript-eslint/no-confusing-void-expression': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Only the facade may touch generated code (house style): src/types.ts, src/events-api.ts and
      // src/core-events-api.ts (the core/v1 operations, kept apart so each API stays one module).
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/generated/**'],
              message: 'import from src/types.ts, src/events-api.ts or src/core-events-api.ts instead',
            },
          ],
        },
      ],
    },
  },
  { files: ['src/types.ts', 'src/events-api.ts', 'src/core-events-api.ts'], rules: { 'no-restricted-imports': 'off' } },
  {
    // The Node launcher is plain CommonJS that Node 18+ runs as is: outside the TypeScript project.
    files: ['scripts/**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      sourceType: 'commonjs',
      parserOptions: { projectService: false },
      globals: { require: 'readonly', module: 'writable', process: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['test/**'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-empty-function': 'off',
    },
  },
);
