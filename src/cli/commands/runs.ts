/**
 * `cardiac-uq runs list|follow`: a GraphQL client of a running server. `follow` draws a progress
 * bar with stage and ETA until the run finishes, fed by the `runProgress` subscription (graphql-ws
 * at the same URL), or by polling `run(id)` when the server takes no WebSocket or the connection
 * drops; exit code 0 when it succeeded, 1 otherwise. Documented in docs/design.md "GraphQL API".
 */
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { isActive } from '../../domain/constants';

const DEFAULT_URL = 'http://127.0.0.1:4000/graphql';

interface RunView {
  id: string;
  kind: string;
  method: string | null;
  status: string;
  progress: number;
  stage: string | null;
  etaSeconds: number | null;
  error: string | null;
  createdAt: string;
}

const RUN_FIELDS = 'id kind method status progress stage etaSeconds error createdAt';
const PROGRESS_FIELDS = 'id status progress stage etaSeconds error';

type Progress = Pick<RunView, 'id' | 'status' | 'progress' | 'stage' | 'etaSeconds' | 'error'>;

/**
 * Sends each progress the server's subscription emits to `show` and returns the last, once the
 * run has finished; null when no subscription could carry it to the end (no graphql-ws there, a
 * refused or dropped connection): the caller polls from where it is.
 */
async function followBySubscription(
  url: string,
  apiKey: string | undefined,
  id: string,
  show: (progress: Progress) => void,
): Promise<Progress | null> {
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
    retryAttempts: 0,
  });
  let last: Progress | null = null;
  try {
    const results = client.iterate<{ runProgress: Progress }>({
      query: `subscription($id: ID!) { runProgress(id: $id) { ${PROGRESS_FIELDS} } }`,
      variables: { id },
    });
    for await (const result of results) {
      if (result.errors?.length) throw new Error(result.errors.map((e) => e.message).join('; '));
      last = result.data!.runProgress;
      show(last);
    }
    return last && !isActive(last.status) ? last : null;
  } catch (error) {
    // The server refused the operation (GraphQL errors): polling would be refused the same way.
    if (Array.isArray(error))
      throw new Error(error.map((e: { message: string }) => e.message).join('; '), { cause: error });
    if (error instanceof Error) throw error;
    return null; // a close event: no subscription here
  } finally {
    await client.dispose();
  }
}

async function query<T>(
  url: string,
  apiKey: string | undefined,
  text: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
      body: JSON.stringify({ query: text, variables }),
    });
  } catch (error) {
    throw new Error(
      `cannot reach ${url}: ${(error as Error).message} (is \`cardiac-uq serve\` running? --url sets the address)`,
      { cause: error },
    );
  }
  const body = (await response.json()) as { data?: T; errors?: Array<{ message: string }> };
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
  return body.data as T;
}

function withServerOptions(command: Command): Command {
  return command
    .option('--url <url>', 'GraphQL endpoint', process.env.CARDIAC_UQ_URL ?? DEFAULT_URL)
    .option('--api-key <key>', 'API key (env CARDIAC_UQ_API_KEY)', process.env.CARDIAC_UQ_API_KEY);
}

export function register(program: Command): void {
  const runs = program.command('runs').description('list runs of a running server, or follow one with a progress bar');

  withServerOptions(runs.command('list'))
    .description('the newest runs')
    .option('--status <status>', 'QUEUED, RUNNING, SUCCEEDED, FAILED or CANCELLED')
    .option('--first <n>', 'how many', '20')
    .option('--json', 'JSON output')
    .action(async (options: { url: string; apiKey?: string; status?: string; first: string; json?: boolean }) => {
      const data = await query<{ runs: { nodes: RunView[]; totalCount: number } }>(
        options.url,
        options.apiKey,
        `query($first: Int!, $filter: RunFilter) { runs(first: $first, filter: $filter) { totalCount nodes { ${RUN_FIELDS} } } }`,
        { first: Number(options.first), filter: options.status ? { status: options.status } : null },
      );
      if (options.json) {
        console.log(JSON.stringify(data.runs));
        return;
      }
      console.table(
        data.runs.nodes.map((r) => ({
          id: r.id,
          kind: r.kind,
          method: r.method ?? '',
          status: r.status,
          progress: `${Math.round(r.progress * 100)}%`,
          stage: r.stage ?? '',
          created: r.createdAt,
        })),
      );
      console.log(`${data.runs.nodes.length} of ${data.runs.totalCount}`);
    });

  withServerOptions(runs.command('follow <id>'))
    .description("show a run's progress until it finishes")
    .option('--interval <seconds>', 'poll interval when the server takes no subscription', '1')
    .action(async (id: string, options: { url: string; apiKey?: string; interval: string }) => {
      const bar = new cliProgress.SingleBar(
        {
          format: '{kind} {status} [{bar}] {percentage}% | ETA {eta_formatted} | {stage}',
          hideCursor: true,
          etaBuffer: 20,
        },
        cliProgress.Presets.shades_classic,
      );
      const read = async () => {
        const { run } = await query<{ run: RunView | null }>(
          options.url,
          options.apiKey,
          `query($id: ID!) { run(id: $id) { ${RUN_FIELDS} } }`,
          { id },
        );
        if (!run) throw new Error(`run ${id} not found`);
        return run;
      };
      // Over HTTP first: an unknown run or a refused key is said in the server's words.
      const { kind, ...first } = await read();
      bar.start(100, Math.round(first.progress * 100), { kind, status: first.status, stage: first.stage ?? '' });
      const show = (run: Progress) =>
        bar.update(Math.round(run.progress * 100), { kind, status: run.status, stage: run.stage ?? '' });
      let run: Progress | null = isActive(first.status)
        ? await followBySubscription(options.url, options.apiKey, id, show)
        : first;
      while (!run || isActive(run.status)) {
        if (run) await new Promise((resolve) => setTimeout(resolve, Number(options.interval) * 1000));
        run = await read();
        show(run);
      }
      bar.stop();
      console.log(`${run.status}${run.error ? `: ${run.error}` : ''}`);
      process.exitCode = run.status === 'SUCCEEDED' ? 0 : 1;
    });
}
