/**
 * Seeds a store with a tiny study through GraphQL only (the same path an analyst takes), for the
 * dashboard's browser tests: phantom site A (6 subjects) and site B (4), PLAIN and MC Dropout
 * trained with the `tiny` preset for 2 epochs, each evaluated on A's TEST split and on all of B,
 * and one small noise sweep (levels 1, 2; T = 3) of the MC Dropout model on A's TEST split.
 */
import { waitForRun } from './poll';

type Gql = (
  query: string,
  variables?: Record<string, unknown>,
) => Promise<{ body: { data?: any; errors?: Array<{ message: string }> } }>;

export interface TinyStudy {
  datasets: { A: string; B: string };
  training: { PLAIN: string; MC_DROPOUT: string };
  /** Undistorted evaluations: method × site */
  evaluations: Array<{ id: string; method: 'PLAIN' | 'MC_DROPOUT'; site: 'A' | 'B' }>;
  sweepRunId: string;
}

async function mutate(gql: Gql, query: string, field: string): Promise<string> {
  const res = await gql(query);
  if (res.body.errors?.length) throw new Error(`${field}: ${res.body.errors[0].message}`);
  return res.body.data[field].id;
}

async function succeeded(gql: Gql, runId: string): Promise<any> {
  const run = await waitForRun(gql, runId, 240000);
  if (run.status !== 'SUCCEEDED') throw new Error(`run ${runId} ended ${run.status}: ${run.error}`);
  return run;
}

export async function seedTinyStudy(gql: Gql): Promise<TinyStudy> {
  const [a, b] = await Promise.all(
    [
      ['dash-A', 'A', 6, 11],
      ['dash-B', 'B', 4, 12],
    ].map(async ([name, site, subjects, seed]) => {
      const id = await mutate(
        gql,
        `mutation { createPhantomDataset(input: { name: "${name}", site: "${site}", subjects: ${subjects}, seed: ${seed} }) { id } }`,
        'createPhantomDataset',
      );
      return (await succeeded(gql, id)).datasetId as string;
    }),
  );
  const methods = ['PLAIN', 'MC_DROPOUT'] as const;
  const [plain, mcd] = await Promise.all(
    methods.map(async (method) => {
      const extra = method === 'MC_DROPOUT' ? ', dropoutRate: 0.3' : '';
      const id = await mutate(
        gql,
        `mutation { startTraining(input: { datasetId: "${a}", method: ${method}, preset: "tiny", epochs: 2, seed: 2${extra} }) { id } }`,
        'startTraining',
      );
      await succeeded(gql, id);
      return id;
    }),
  );
  const training = { PLAIN: plain, MC_DROPOUT: mcd };
  const plan = methods.flatMap((method) => (['A', 'B'] as const).map((site) => ({ method, site })));
  const evaluations = await Promise.all(
    plan.map(async ({ method, site }) => {
      const split = site === 'A' ? ', split: TEST' : '';
      const samples = method === 'PLAIN' ? 1 : 4;
      const id = await mutate(
        gql,
        `mutation { startEvaluation(input: { trainingRunId: "${training[method]}", datasetId: "${site === 'A' ? a : b}"${split}, samples: ${samples}, storeSamples: true, seed: 9, shardSize: 32 }) { id } }`,
        'startEvaluation',
      );
      await succeeded(gql, id);
      const res = await gql(`{ run(id: "${id}") { evaluations { id } } }`);
      return { id: res.body.data.run.evaluations[0].id as string, method, site };
    }),
  );
  const sweepRunId = await mutate(
    gql,
    `mutation { startDistortionSweep(input: { trainingRunId: "${mcd}", datasetId: "${a}", split: TEST, kinds: [NOISE], levels: [1, 2], samples: 3, seed: 5, shardSize: 32 }) { id } }`,
    'startDistortionSweep',
  );
  await succeeded(gql, sweepRunId);
  return { datasets: { A: a, B: b }, training, evaluations, sweepRunId };
}
