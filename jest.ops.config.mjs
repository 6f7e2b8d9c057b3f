/** `npm run test:ops`: procedures that need tools beyond Node (Postgres client tools); CI runs it after `npm test`. */
import base from './jest.config.js';

export default { ...base, roots: ['<rootDir>/test/ops'], testPathIgnorePatterns: ['/node_modules/'] };
