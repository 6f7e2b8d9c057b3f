/**
 * Per-parent reads are batched (src/resolvers/loaders.ts): a page of predictions with their slice,
 * metrics and image rows, and evaluations with their runs, datasets and checkpoints, take a fixed
 * number of SQL statements whatever the page size, counted from the real Prisma client's query
 * events on a synthetic store.
 */
import { graphql, type GraphQLSchema } from 'graphql';
import { PrismaClient } from '../../src/db/generated/client';
import { createPgAdapter } from '../../src/db/pg-adapter';
import { buildApiSchema } from '../../src/resolvers';
import { createDatabase, testServers } from '../support/databases';
import { seedSyntheticResults, type SyntheticStore } from '../support/synthetic-results';

describe('batched reads', () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let store: PrismaClient<'query'>;
  let schema: GraphQLSchema;
  let seeded: SyntheticStore;
  let statements = 0;

  beforeAll(async () => {
    db = await createDatabase(testServers()[0]);
    store = new PrismaClient({ adapter: createPgAdapter(db.url), log: [{ emit: 'event', level: 'query' }] });
    store.$on('query', () => void statements++);
    seeded = await seedSyntheticResults(store as never, { slices: 120, evaluations: 3 });
    schema = await buildApiSchema();
  }, 60000);

  afterAll(async () => {
    await store?.$disconnect();
    await db?.drop();
  });

  async function count(source: string, variableValues: Record<string, unknown>) {
    statements = 0;
    const result = await graphql({
      schema,
      source,
      variableValues,
      contextValue: { store, actor: 'test', role: 'ANALYST' },
    });
    expect(result.errors).toBeUndefined();
    return { statements, data: result.data as any };
  }

  test('a page of 100 predictions with slice, metrics and image costs as many statements as a page of 2', async () => {
    const query = `query($id: ID!, $first: Int!) { evaluation(id: $id) { predictions(first: $first) { nodes {
      id slice { id subjectId sliceIndex sliceCount phase position } image { entropy mi } metrics { structure poor } } } } }`;
    const big = await count(query, { id: seeded.evaluationIds[0], first: 100 });
    const small = await count(query, { id: seeded.evaluationIds[0], first: 2 });
    expect(big.data.evaluation.predictions.nodes).toHaveLength(100);
    expect(
      big.data.evaluation.predictions.nodes.every((n: any) => n.slice.id && n.metrics.length === 3 && n.image),
    ).toBe(true);
    // evaluation, the ordered ids, the page's rows, then one statement each for slices, metrics and images.
    expect(big.statements).toBe(small.statements);
    expect(big.statements).toBeLessThanOrEqual(6);
    expect(small.statements).toBeGreaterThanOrEqual(4);
  });

  test('evaluations with their runs, datasets and checkpoints: one statement per kind of parent read', async () => {
    const { statements: n, data } = await count(
      '{ evaluations { id method run { id } trainingRun { id } dataset { name } checkpoints { id } } }',
      {},
    );
    expect(data.evaluations).toHaveLength(3);
    expect(data.evaluations.every((e: any) => e.method === 'MC_DROPOUT' && e.dataset.name)).toBe(true);
    expect(n).toBeLessThanOrEqual(5);
  });
});
