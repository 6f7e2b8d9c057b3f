import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { closedFolders } from '../../src/db/embedded-postgres';

// As root, the embedded Postgres runs as user postgres: it must be able to pass through every folder
// on the way to its binaries and data. closedFolders names the ones it cannot (no o+x).
describe('closedFolders', () => {
  it('names the folders without o+x on the way, outermost first, and none when all are open', () => {
    const top = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-closed-'));
    try {
      const middle = path.join(top, 'a');
      const inner = path.join(middle, 'b');
      fs.mkdirSync(inner, { recursive: true });
      fs.chmodSync(top, 0o755);
      fs.chmodSync(middle, 0o750);
      fs.chmodSync(inner, 0o700);
      const closed = closedFolders(path.join(inner, 'not-yet-created'));
      expect(closed.filter((f) => f.startsWith(top))).toEqual([middle, inner]);
      fs.chmodSync(middle, 0o751);
      fs.chmodSync(inner, 0o711);
      expect(closedFolders(inner).filter((f) => f.startsWith(top))).toEqual([]);
    } finally {
      fs.chmodSync(top, 0o755);
      fs.rmSync(top, { recursive: true, force: true });
    }
  });
});
