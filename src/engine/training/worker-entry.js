// Worker-thread entry. In a compiled build (dist/) the body sits beside this file as worker.js;
// from the sources, register tsx (as bin/cardiac-uq.js does) so the TypeScript body loads.
const fs = require('node:fs');
const path = require('node:path');
if (fs.existsSync(path.join(__dirname, 'worker.js'))) {
  require('./worker.js');
} else {
  require('tsx/cjs/api').register();
  require('./worker.ts');
}
