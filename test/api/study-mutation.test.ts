/**
 * startStudy over GraphQL (API only: the job is queued, no worker runs it here): one study per
 * plan, a second call returns it, more repeats extend it, bad input is refused and writes nothing.
 */
import { usePlatform } from '../support/platform';

describe('startStudy', () => {
  const fixture = usePlatform('api');

  it('launches the study once, returns it again, extends it for more repeats, and audits who did', async () => {
    const { api, store } = fixture;
    const start = async (input: string) =>
      api.gql(`mutation { startStudy(input: ${input}) { id kind status config } }`);
    const first = await start('{ preset: "tiny" }');
    expect(first.body.errors).toBeUndefined();
    const run = first.body.data.startStudy;
    expect(run).toMatchObject({ kind: 'STUDY', status: 'QUEUED' });
    expect(run.config).toMatchObject({ repeats: 1, plan: { preset: 'tiny' } });
    expect((await start('{ preset: "tiny" }')).body.data.startStudy.id).toBe(run.id);
    const extended = (await start('{ preset: "tiny", repeats: 2 }')).body.data.startStudy;
    expect(extended).toMatchObject({ id: run.id, config: { repeats: 2 } });
    expect(await store.run.count({ where: { kind: 'STUDY' } })).toBe(1);
    // its first step waits in the study queue for a worker
    const queued = await store.$queryRaw<
      Array<{ n: number }>
    >`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'study' AND state = 'created'`;
    expect(queued[0].n).toBe(1);
    const audit = await store.auditEvent.findMany({ where: { entityId: run.id }, orderBy: { seq: 'asc' } });
    expect(audit.map((e) => [e.actor, e.action])).toEqual(expect.arrayContaining([['test-actor', 'study.extended']]));
    expect(audit.every((e) => e.actor === 'test-actor')).toBe(true);
  });

  it('refuses an unknown preset and out-of-range repeats, writing nothing', async () => {
    const { api, store } = fixture;
    const before = await store.run.count();
    for (const input of ['{ preset: "huge" }', '{ preset: "tiny", repeats: 0 }', '{ preset: "tiny", repeats: 21 }']) {
      const res = await api.gql(`mutation { startStudy(input: ${input}) { id } }`);
      expect(res.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    }
    expect(await store.run.count()).toBe(before);
  });
});
