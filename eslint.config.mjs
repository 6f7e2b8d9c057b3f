// Lint rules for the TypeScript sources, tests and benchmarks (npm run lint); formatting is prettier's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'src/db/generated/', 'src/engine/metrics/sample-pass-wasm.ts', 'coverage/', '.cardiac-uq/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // Comments and strings are not wrapped by prettier: keep them readable too.
      'max-len': ['error', { code: 160, ignoreUrls: true, ignoreRegExpLiterals: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  { files: ['web/**/*.js'], languageOptions: { globals: { ...globals.browser } } },
);
