/** Jest runs TypeScript through swc (decorator metadata on) and transforms the ESM-only pg-boss and nifti-reader-js. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  // test/ops needs Postgres client tools: `npm run test:ops` (jest.ops.config.mjs), not `npm test`.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/ops/'],
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest'] },
  transformIgnorePatterns: ['/node_modules/(?!(pg-boss|serialize-error|non-error|nifti-reader-js)/)'],
  // Prisma's generated client imports './x.js' for TypeScript sources.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
  testTimeout: 120000,
};
