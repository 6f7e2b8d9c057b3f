// Worker-thread entry of the PNG pool (./png.ts), exporting the one task function piscina calls.
// In a compiled build (dist/) the body sits beside this file as png-worker.js; from the sources,
// register tsx (as bin/cardiac-uq.js does) so the TypeScript encoders load.
const fs = require('node:fs');
const path = require('node:path');
if (fs.existsSync(path.join(__dirname, 'png-worker.js'))) {
  module.exports = require('./png-worker.js').renderPng;
} else {
  require('tsx/cjs/api').register();
  module.exports = require('./png-worker.ts').renderPng;
}
