/**
 * The local cloud's own test layers; the platform's jest.config.js runs them too.
 * `npx jest` here (or `npm test -w local-cloud`) runs them alone.
 */
const base = {
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  testEnvironment: 'node',
  rootDir: __dirname,
  setupFiles: ['<rootDir>/test/support/env.ts'],
};

const projects = [
  { ...base, displayName: 'local-cloud:unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
  { ...base, displayName: 'local-cloud:integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
  // Small CDK apps of our own, synthesised and served: one behaviour each (test/support/fixture-app.ts).
  { ...base, displayName: 'local-cloud:fixtures', testMatch: ['<rootDir>/test/fixtures/**/*.test.ts'] },
  // The local console in a real browser (headless Chromium at /usr/bin/chromium, driven by playwright-core).
  { ...base, displayName: 'local-cloud:console', testMatch: ['<rootDir>/test/console/**/*.test.ts'] },
];

module.exports = { testTimeout: 30_000, projects };
