/** Polls `run(id)` over GraphQL until it leaves QUEUED/RUNNING. */
export async function waitForRun(
  gql: (query: string, variables?: Record<string, unknown>) => Promise<{ body: { data?: any; errors?: unknown } }>,
  id: string,
  timeoutMs = 120000,
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await gql('query($id: ID!) { run(id: $id) { id status progress stage error datasetId backend } }', {
      id,
    });
    const run = res.body.data?.run;
    if (run && !['QUEUED', 'RUNNING'].includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${id} still ${run?.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Polls `condition` every `intervalMs` until it holds; fails after `timeoutMs`. */
export async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number, intervalMs = 500): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
