// Lint rules for the whole repository: typescript-eslint's recommended rules,
// and the dependency directions of docs/architecture.md as import rules, so a
// wrong-way import fails `npm run lint` (and so `npm test`), not a review.
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** `from` may not import `target` (paths from the repository root). */
const zone = (target, from, message) => ({ target, from, message });

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', 'cdk.out/**', 'cdk.out.*/**', 'coverage/**', 'bench/out/**', '.local-cloud/**', '**/*.d.ts'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,mts,cts,js,mjs,cjs}'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [
        createTypeScriptImportResolver({ project: ['tsconfig.json', 'packages/*/tsconfig.json'], noWarnOnMultipleProjects: true }),
      ],
    },
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    rules: {
      // The code base deliberately uses `any` at a few wire boundaries and in tests; types are checked by tsc.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-require-imports': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-self-import': 'error',
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            zone('./lambda', './lib', 'Deployed code (lambda/) never imports the infrastructure (lib/).'),
            zone('./lambda', './bin', 'Deployed code (lambda/) never imports bin/.'),
            zone('./lambda', './cli', 'Deployed code (lambda/) never imports the CLI.'),
            zone('./lambda', './packages', 'Deployed code (lambda/) never imports the local cloud.'),
            zone('./lib', './lambda', 'Infrastructure (lib/) never imports runtime code; shared names live in contracts/.'),
            zone('./contracts', './lambda', 'The contract module depends on nothing.'),
            zone('./contracts', './lib', 'The contract module depends on nothing.'),
            zone('./packages/local-cloud', './lambda', 'The local cloud imports nothing of the platform.'),
            zone('./packages/local-cloud', './lib', 'The local cloud imports nothing of the platform.'),
            zone('./packages/local-cloud', './contracts', 'The local cloud imports nothing of the platform.'),
            zone('./packages/local-cloud', './test', 'The local cloud imports nothing of the platform.'),
            zone('./packages/local-cloud', './bin', 'The local cloud imports nothing of the platform.'),
            zone('./lambda/domain', './lambda/shared', 'Domain code is pure: no SDK clients, no Powertools.'),
            zone(
              './lambda/domain',
              [
                './lambda/analytics',
                './lambda/inventory',
                './lambda/notifications',
                './lambda/orders',
                './lambda/payments',
                './lambda/users',
                './lambda/cost-optimizer',
              ],
              'Domain code depends on no handler.',
            ),
          ],
        },
      ],
    },
  },
  {
    // Domain code is pure: no AWS SDK, no Powertools, no Node I/O.
    files: ['lambda/domain/**/*.ts', 'lambda/*/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@aws-sdk/*', '@smithy/*', '@aws-lambda-powertools/*'], message: 'Domain code is pure: no AWS SDK or Powertools.' },
            { group: ['node:fs', 'node:http', 'node:https', 'node:net', 'node:child_process'], message: 'Domain code does no I/O.' },
          ],
        },
      ],
    },
  },
  {
    // The untyped emulators' ambient typings (declare module) reach the platform's typecheck only through this reference.
    files: ['packages/local-cloud/src/emulators.ts'],
    rules: { '@typescript-eslint/triple-slash-reference': ['error', { path: 'always' }] },
  },
  {
    // Tests and benches may use empty functions as no-op loggers and the like.
    files: ['test/**', 'packages/*/test/**', 'bench/**', 'packages/*/bench/**'],
    rules: { '@typescript-eslint/no-empty-function': 'off' },
  },
);
