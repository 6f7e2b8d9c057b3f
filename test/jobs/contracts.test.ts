/**
 * Stored JSON read back through its schema (src/domain/run-config.ts, src/jobs/payloads.ts): a
 * job whose payload or whose run's stored config is malformed fails its run at once with an error
 * naming the job or run and the field, on a real worker; a well-formed config reads back typed.
 */
import crypto from 'node:crypto';
import { runConfig } from '../../src/domain/run-config';
import { StoredDataError } from '../../src/domain/stored-data';
import { QUEUES } from '../../src/jobs/queues';
import { createRun } from '../../src/store/runs';
import { usePlatform } from '../support/platform';
import { waitForRun } from '../support/poll';

const author = { actor: 'test-actor', codeVersion: 'test' };

describe('job and run-config contracts', () => {
  const fx = usePlatform('all');

  test('a train-member job with a malformed payload fails its run with the schema message, not retried', async () => {
    const datasetId = crypto.randomUUID();
    const run = await createRun(fx.store, author, {
      kind: 'TRAIN',
      method: 'PLAIN',
      config: { datasetId, method: 'plain', preset: 'tiny', seed: 1 },
    });
    // Sent past the typed enqueue(), as an old or foreign producer would.
    const jobId = await fx.api.platform.boss.send(
      QUEUES.trainMember,
      { runId: run.id, member: 'first' },
      { retryLimit: 2 },
    );
    const done = await waitForRun(fx.api.gql, run.id, 60000);
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe(
      `job ${jobId} (train-member payload) is malformed: member: Invalid input: expected number, received string`,
    );
    const [job] = await fx.api.platform.boss.findJobs(QUEUES.trainMember, { id: jobId! });
    expect(job.retryCount).toBe(0);
  });

  test('a dataset job whose run config lacks a field fails naming the run and the field; nothing is stored', async () => {
    const run = await createRun(fx.store, author, {
      kind: 'DATASET',
      config: { name: 'no-subjects', site: 'A', seed: 3 },
    });
    await fx.api.platform.boss.send(QUEUES.createDataset, { runId: run.id });
    const done = await waitForRun(fx.api.gql, run.id, 60000);
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe(
      `run ${run.id} (DATASET config) is malformed: subjects: Invalid input: expected number, received undefined`,
    );
    expect(await fx.store.dataset.count({ where: { name: 'no-subjects' } })).toBe(0);
  });

  test('runConfig parses a stored config by kind, and names run and field when it does not fit', async () => {
    const datasetId = crypto.randomUUID();
    const good = await createRun(fx.store, author, {
      kind: 'TRAIN',
      method: 'MC_DROPOUT',
      config: { datasetId, method: 'mcd', preset: 'quick', seed: 7, dropout: { rate: 0.5, layers: 'all' } },
    });
    const stored = await fx.store.run.findUniqueOrThrow({ where: { id: good.id } });
    expect(runConfig(stored, 'TRAIN')).toEqual({
      datasetId,
      method: 'mcd',
      preset: 'quick',
      seed: 7,
      dropout: { rate: 0.5, layers: 'all' },
    });

    const bad = await createRun(fx.store, author, {
      kind: 'TRAIN',
      method: 'PLAIN',
      config: { datasetId, method: 'plain', preset: 'huge', seed: 7 },
    });
    const read = await fx.store.run.findUniqueOrThrow({ where: { id: bad.id } });
    expect(() => runConfig(read, 'TRAIN')).toThrow(StoredDataError);
    expect(() => runConfig(read, 'TRAIN')).toThrow(
      `run ${bad.id} (TRAIN config) is malformed: preset: Invalid option: expected one of "tiny"|"quick"|"paper"`,
    );
    expect(() => runConfig(read, 'EVALUATE')).toThrow(`run ${bad.id} (EVALUATE config): the run is a TRAIN run`);
  });
});
