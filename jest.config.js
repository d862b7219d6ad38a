/**
 * One `npm test` runs every layer of the platform and of the local cloud; each
 * layer can run alone with `npm run test:<layer>` (jest --selectProjects <layer>).
 */
const localCloud = require('./packages/local-cloud/jest.config.js');

const transform = { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] };
const moduleNameMapper = {
  '^#contracts/(.*)$': '<rootDir>/contracts/$1',
  '^#shared/(.*)$': '<rootDir>/lambda/shared/$1',
  '^#domain/(.*)$': '<rootDir>/lambda/domain/$1',
  '^#cost-domain/(.*)$': '<rootDir>/lambda/cost-optimizer/domain/$1',
};
/** ESM-only dependencies of the handlers: jest transforms these (and no other node_modules) to CommonJS. */
const transformIgnorePatterns = ['/node_modules/(?!(p-limit|yocto-queue|marked|@seriousme/openapi-schema-validator)/)'];
const base = {
  transform,
  transformIgnorePatterns,
  moduleNameMapper,
  testEnvironment: 'node',
  rootDir: __dirname,
  setupFiles: ['<rootDir>/test/support/env.ts'],
};

module.exports = {
  testTimeout: 30_000,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...base, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
    },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/test/e2e/global-setup.ts',
      globalTeardown: '<rootDir>/test/e2e/global-teardown.ts',
    },
    { ...base, displayName: 'dev', testMatch: ['<rootDir>/test/dev/**/*.test.ts'] },
    {
      // Faults injected into a local cloud of its own (test/chaos/global-setup.ts); its scenarios run in one file, in order.
      ...base,
      displayName: 'chaos',
      testMatch: ['<rootDir>/test/chaos/**/*.test.ts'],
      setupFiles: [...base.setupFiles, '<rootDir>/test/chaos/env.ts'],
      globalSetup: '<rootDir>/test/chaos/global-setup.ts',
      globalTeardown: '<rootDir>/test/chaos/global-teardown.ts',
    },
    ...localCloud.projects,
  ],
};
