// Lint rules for the TypeScript sources, tests and benchmarks (npm run lint); formatting is prettier's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'wasm/',
      'src/db/generated/',
      'src/engine/metrics/sample-pass-wasm.ts',
      'coverage/',
      '.cardiac-uq/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // Comments and strings are not wrapped by prettier: keep them readable too.
      'max-len': [
        'error',
        { code: 160, ignoreUrls: true, ignoreRegExpLiterals: true, ignoreStrings: true, ignoreTemplateLiterals: true },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  { files: ['web/**/*.js'], languageOptions: { globals: { ...globals.browser } } },
  // The report reads GraphQL answers as untyped JSON (no schema code generation yet).
  { files: ['src/report/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  // Tests and benchmarks load helpers lazily and poke at untyped JSON answers.
  {
    files: ['test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-require-imports': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
  // Typed lazy loaders (each file's header says why: heavy modules load only where needed) and
  // the CommonJS entry scripts.
  {
    files: [
      'src/cli/lazy.ts',
      'src/cli/command-table.ts',
      'src/engine/backend/index.ts',
      'src/render/png.ts',
      'src/report/charts.ts',
      'src/report/graphql-client.ts',
      'src/engine/io/nifti.ts',
      'bin/*.js',
      'src/**/*.js',
    ],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
