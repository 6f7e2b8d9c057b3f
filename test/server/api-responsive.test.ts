/**
 * `serve --role all` (what `npm start` runs) as a real process keeps its API's event loop free
 * while a training runs: the training is in a worker child (another pid, listed by /readyz), and
 * the API process's own event-loop delay stays under a second (beyond any pause this test's own
 * process saw at the same time: the machine's, not the API's) while `{ __typename }` keeps
 * answering. With the worker in the API process each training step froze it for seconds.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { gqlAt, startServe } from '../support/serve-process';

const readyz = async (graphqlUrl: string) => {
  const response = await fetch(graphqlUrl.replace(/\/graphql$/, '/readyz'));
  return {
    status: response.status,
    body: (await response.json()) as { pid: number; workers: number[]; eventLoopDelay: { maxMs: number } },
  };
};

test('a training in `serve --role all` runs in a child; the API answers and its event loop stays free', async () => {
  const dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-responsive-'));
  fs.chmodSync(dataRoot, 0o755);
  const serve = await startServe({
    CARDIAC_UQ_DATA_DIR: dataRoot,
    DATABASE_URL: '',
    CARDIAC_UQ_AUTOSTUDY: '0',
    CARDIAC_UQ_BACKEND: 'wasm',
  });
  try {
    const run = async (id: string) =>
      (await gqlAt(serve.graphqlUrl, `{ run(id: "${id}") { status progress datasetId } }`)).run;
    const until = async (id: string, done: (r: { status: string; progress: number }) => boolean) => {
      for (const deadline = Date.now() + 180000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 300))) {
        const r = await run(id);
        if (done(r)) return r;
      }
      throw new Error(`run ${id} did not get there:\n${serve.output()}`);
    };
    const created = await gqlAt(
      serve.graphqlUrl,
      'mutation { createPhantomDataset(input: { name: "responsive", site: "A", subjects: 3 }) { id } }',
    );
    const dataset = await until(created.createPhantomDataset.id, (r) => r.status === 'SUCCEEDED');
    const training = await gqlAt(
      serve.graphqlUrl,
      `mutation { startTraining(input: { datasetId: "${dataset.datasetId}", method: PLAIN, preset: "tiny", epochs: 500 }) { id } }`,
    );
    const trainingId = training.startTraining.id;
    // This process's own loop over the same time: a pause of the whole machine (a busy CI host)
    // delays every process alike, and is not the API's doing.
    const ownDelay = monitorEventLoopDelay({ resolution: 10 });
    ownDelay.enable();
    await until(trainingId, (r) => r.status === 'RUNNING' && r.progress > 0);

    const { body: first } = await readyz(serve.graphqlUrl);
    expect(first.pid).toBe(serve.child.pid);
    expect(first.workers.length).toBe(1);
    expect(first.workers).not.toContain(serve.child.pid);

    // 20 s of training: two of /readyz's 10 s delay windows.
    let slowest = 0;
    let answered = 0;
    for (const end = Date.now() + 20000; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
      const t0 = performance.now();
      expect(await gqlAt(serve.graphqlUrl, '{ __typename }')).toEqual({ __typename: 'Query' });
      slowest = Math.max(slowest, performance.now() - t0);
      answered++;
    }
    const { status, body: after } = await readyz(serve.graphqlUrl);
    expect(status).toBe(200);
    expect((await run(trainingId)).status).toBe('RUNNING'); // it trained all along
    ownDelay.disable();
    expect(slowest).toBeLessThan(1000);
    expect(after.eventLoopDelay.maxMs).toBeLessThan(1000 + ownDelay.max / 1e6);
    expect(answered).toBeGreaterThan(50);
  } finally {
    serve.child.kill('SIGINT');
    await serve.exited;
    fs.rmSync(dataRoot, { recursive: true, force: true });
  }
}, 300000);
