/**
 * `cardiac-uq runs list|follow`: a GraphQL client of a running server. `follow` polls `run(id)`
 * and draws a progress bar with stage and ETA until the run (and its children) finish; exit code
 * 0 when it succeeded, 1 otherwise.
 */
import { Command } from 'commander';
import cliProgress from 'cli-progress';
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
    .option('--interval <seconds>', 'poll interval', '1')
    .action(async (id: string, options: { url: string; apiKey?: string; interval: string }) => {
      const bar = new cliProgress.SingleBar(
        {
          format: '{kind} {status} [{bar}] {percentage}% | ETA {eta_formatted} | {stage}',
          hideCursor: true,
          etaBuffer: 20,
        },
        cliProgress.Presets.shades_classic,
      );
      let started = false;
      for (;;) {
        const { run } = await query<{ run: RunView | null }>(
          options.url,
          options.apiKey,
          `query($id: ID!) { run(id: $id) { ${RUN_FIELDS} } }`,
          { id },
        );
        if (!run) throw new Error(`run ${id} not found`);
        const payload = { kind: run.kind, status: run.status, stage: run.stage ?? '' };
        if (!started) {
          bar.start(100, Math.round(run.progress * 100), payload);
          started = true;
        } else {
          bar.update(Math.round(run.progress * 100), payload);
        }
        if (!isActive(run.status)) {
          bar.stop();
          console.log(`${run.status}${run.error ? `: ${run.error}` : ''}`);
          process.exitCode = run.status === 'SUCCEEDED' ? 0 : 1;
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, Number(options.interval) * 1000));
      }
    });
}
