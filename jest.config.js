/** Jest runs TypeScript through swc (decorator metadata on) and transforms the ESM-only pg-boss and nifti-reader-js. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest'] },
  transformIgnorePatterns: ['/node_modules/(?!(pg-boss|serialize-error|non-error|nifti-reader-js)/)'],
  testTimeout: 120000,
};
