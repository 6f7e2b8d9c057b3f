/**
 * The response cache's plugins (src/server/response-cache.ts) in a real ApolloServer over a small
 * schema whose resolvers count their calls: identical queries arriving together are computed once,
 * a change of generation computes afresh, an answer with errors is neither kept nor handed on, and
 * a mutation starts a new generation before its answer leaves.
 */
import { ApolloServer } from '@apollo/server';
import type { ApiContext } from '../../src/resolvers/context';
import { responseCache } from '../../src/server/response-cache';
import { StoreChanges } from '../../src/server/store-changes';

const calls = { slow: 0, failing: 0 };
const waiting: Array<() => void> = [];
/** Lets every resolver waiting so far finish. */
const release = () => waiting.splice(0).forEach((go) => go());
const typeDefs = `type Query { slow(n: Int!): Int failing: Int } type Mutation { touch: Int }`;
const resolvers = {
  Query: {
    slow: async (_: unknown, { n }: { n: number }) => {
      calls.slow++;
      await new Promise<void>((resolve) => waiting.push(resolve));
      return n * 2;
    },
    failing: async () => {
      calls.failing++;
      await new Promise<void>((resolve) => waiting.push(resolve));
      throw new Error('no');
    },
  },
  Mutation: { touch: () => 1 },
};

// The listener itself is tested against a real database (response-cache.test.ts); here it is only the counter.
const changes = new StoreChanges('postgresql://unused', () => {});
changes.listening = true;
const server = new ApolloServer<ApiContext>({ typeDefs, resolvers, plugins: responseCache(changes, 2 ** 20) });
const context = () => ({ contextValue: { actor: 'a', role: 'ANALYST' } as ApiContext });
const ask = (query: string) => server.executeOperation({ query }, context());
const settle = async (answers: Array<Promise<unknown>>) => {
  await new Promise((r) => setTimeout(r, 20));
  release();
  return Promise.all(answers);
};
const dataOf = (answer: any) => answer.body.singleResult.data;

beforeAll(() => server.start());
afterAll(() => server.stop());
beforeEach(() => {
  calls.slow = 0;
  calls.failing = 0;
});

test('identical queries arriving together are computed once and all get the answer; a different one is computed', async () => {
  const answers = await settle([ask('{ slow(n: 1) }'), ask('{ slow(n: 1) }'), ask('{ slow(n: 1) }')]);
  expect(answers.map(dataOf)).toEqual([{ slow: 2 }, { slow: 2 }, { slow: 2 }]);
  expect(calls.slow).toBe(1);
  expect(dataOf(await ask('{ slow(n: 1) }'))).toEqual({ slow: 2 });
  expect(calls.slow).toBe(1);
  const other = ask('{ slow(n: 2) }');
  expect(dataOf((await settle([other]))[0])).toEqual({ slow: 4 });
  expect(calls.slow).toBe(2);
});

test('after a change of generation the same query is computed again', async () => {
  await settle([ask('{ slow(n: 3) }')]);
  changes.bump();
  await settle([ask('{ slow(n: 3) }'), ask('{ slow(n: 3) }')]);
  expect(calls.slow).toBe(2);
});

test('an answer with errors is neither kept nor handed to those waiting: each computes its own', async () => {
  const first = ask('{ failing }');
  const second = ask('{ failing }');
  await new Promise((r) => setTimeout(r, 20));
  release(); // the first's resolver; the second then runs its own
  await new Promise((r) => setTimeout(r, 20));
  release();
  const answers = (await Promise.all([first, second])) as any[];
  expect(answers.every((a) => a.body.singleResult.errors?.[0].message === 'no')).toBe(true);
  expect(calls.failing).toBe(2);
});

test('a mutation starts a new generation; nothing is cached while the listener is down', async () => {
  const before = changes.generation;
  await server.executeOperation({ query: 'mutation { touch }' }, context());
  expect(changes.generation).toBe(before + 1);
  changes.listening = false;
  try {
    await settle([ask('{ slow(n: 5) }'), ask('{ slow(n: 5) }')]);
    expect(calls.slow).toBe(2);
  } finally {
    changes.listening = true;
  }
});
