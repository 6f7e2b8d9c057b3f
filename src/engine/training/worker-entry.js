// Worker-thread entry: register tsx (as bin/cardiac-uq.js does) so the TypeScript body loads.
require('tsx/cjs/api').register();
require('./worker.ts');
