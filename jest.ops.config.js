/** `npm run test:ops`: procedures that need tools beyond Node (Postgres client tools); CI runs it after `npm test`. */
const base = require('./jest.config');

module.exports = { ...base, roots: ['<rootDir>/test/ops'], testPathIgnorePatterns: ['/node_modules/'] };
