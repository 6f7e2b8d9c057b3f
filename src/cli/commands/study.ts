/**
 * `cardiac-uq study --preset quick|paper [--repeats N] [--report DIR] [--workers W]`: runs the
 * paper's benchmark study (src/jobs/study.ts) on the platform — embedded Postgres, or the one in
 * DATABASE_URL — with progress bars per stage, then writes the report (src/report) and prints its
 * path. Re-running finds finished work; Ctrl-C stops cleanly and a later run resumes.
 *
 * Training runs on wasm, one thread per process, and blocks its process while it computes, so this
 * process only serves the API and draws progress, and W worker processes (default: one per CPU
 * core) do the work for the study's duration; more workers on other machines may share it through
 * DATABASE_URL (then `--workers 0` is possible).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import type { Config } from '../../config';
import { loadConfig } from '../../config';
import { InvalidInputError } from '../../engine/errors';
import type { Platform } from '../../app';

type StudyPresetName = 'tiny' | 'quick' | 'paper';

export interface ForegroundStudyOptions {
  config: Config;
  platform: Platform;
  preset: StudyPresetName;
  repeats: number;
  reportDir: string;
  /** Extra worker processes to spawn for the study's duration. */
  workers: number;
  log: (message: string) => void;
  signal?: AbortSignal;
  /**
   * `launch` (default): find or create the study of this preset. `auto` (`npm start`): launch only
   * on an empty store, else follow an unfinished study, else do nothing (returns undefined).
   */
  mode?: 'launch' | 'auto';
  /** Plan overrides (tests). */
  overrides?: Record<string, unknown>;
  progress?: boolean;
}

export interface ForegroundStudyResult {
  studyRunId: string;
  status: string;
  reportPath?: string;
  seconds: number;
}

const STAGE_NAMES: Record<string, string> = {
  datasets: 'phantom sites A, B',
  training: 'training',
  siteA: 'site A test + distortions',
  siteB: 'site B (shift)',
};

const BIN = path.resolve(__dirname, '../../../bin/cardiac-uq.js');

/** Extra `serve --role worker` processes on the same database and data folder. */
function spawnWorkers(n: number, config: Config, databaseUrl: string, log: (m: string) => void): ChildProcess[] {
  return Array.from({ length: n }, (_, i) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--role', 'worker'], {
      env: { ...process.env, DATABASE_URL: databaseUrl, CARDIAC_UQ_DATA_DIR: config.dataDir, CARDIAC_UQ_AUTOSTUDY: '0' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (/error|fail/i.test(line)) log(`worker ${i + 1}: ${line.trim()}`);
    });
    return child;
  });
}

async function stopWorkers(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * Launches (or finds) the study, follows it with progress bars until it finishes, writes the
 * report. Returns undefined when `resumeOnly` and there is nothing to follow. On abort it stops
 * following and the study stays RUNNING in the store, to be resumed by the next start.
 */
export async function runStudyInForeground(o: ForegroundStudyOptions): Promise<ForegroundStudyResult | undefined> {
  const { createStore } = require('../../db/client') as typeof import('../../db/client');
  const { startBoss } = require('../../jobs/queues') as typeof import('../../jobs/queues');
  const study = require('../../jobs/study') as typeof import('../../jobs/study');
  const started = Date.now();
  const store = createStore(o.platform.databaseUrl);
  const boss = await startBoss(o.platform.databaseUrl, { onError: (error) => o.log(`pg-boss: ${error.message}`) });
  const launcher = { store, boss, actor: o.config.actor, codeVersion: o.config.version };
  let workers: ChildProcess[] = [];
  let stepStore: { $disconnect(): Promise<void> } | undefined;
  if (o.mode !== 'auto') {
    // This process also takes the study's orchestration steps: unlike a worker busy training, its
    // event loop is free, so the steps' short transactions are not starved (workers still take a
    // step when this one is slower). Generous transaction limits for the audit lock's queue.
    const { PrismaClient } = require('../../db/generated/client') as typeof import('../../db/generated/client');
    const { createPgAdapter } = require('../../db/pg-adapter') as typeof import('../../db/pg-adapter');
    const { QUEUES } = require('../../jobs/queues') as typeof import('../../jobs/queues');
    const steps = new PrismaClient({ adapter: createPgAdapter(o.platform.databaseUrl, { max: 4 }), transactionOptions: { maxWait: 30000, timeout: 60000 } });
    await boss.work(QUEUES.study, { batchSize: 1, pollingIntervalSeconds: 0.5 }, async ([job]) =>
      study.studyStep(job as never, { boss, store: steps, config: o.config, backend: o.config.backend ?? 'wasm' }),
    );
    stepStore = steps;
  }
  try {
    let run;
    const unfinished = o.mode === 'auto' && (await store.run.count()) > 0
      ? await store.run.findFirst({ where: { kind: 'STUDY', status: { in: ['QUEUED', 'RUNNING'] } }, orderBy: { createdAt: 'desc' } })
      : undefined;
    if (unfinished === null) return undefined; // not empty, nothing to resume
    if (unfinished) {
      run = unfinished;
      await study.ensureStep(launcher, run.id);
      o.log(`resuming study ${run.id} (CARDIAC_UQ_AUTOSTUDY=0 turns this off)`);
    } else {
      if (o.mode === 'auto') o.log(`empty store: running the ${o.preset} benchmark study (CARDIAC_UQ_AUTOSTUDY=0 turns this off)`);
      const launched = await study.launchStudy(launcher, { preset: o.preset, repeats: o.repeats, overrides: o.overrides });
      run = launched.run;
      o.log(`study ${run.id} (${o.preset}, ${study.studyConfigOf(run).repeats} repeat(s)): ${launched.start}`);
    }
    const studyRunId = run.id;
    if (!['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(run.status) && o.workers > 0) {
      workers = spawnWorkers(o.workers, o.config, o.platform.databaseUrl, o.log);
      o.log(`${o.workers} worker process(es) joined the study`);
    }

    const bars = o.progress === false || !process.stderr.isTTY
      ? undefined
      : new cliProgress.MultiBar(
          { format: ' {stage} |{bar}| {done}/{total} done {running} | ETA {eta_formatted}', hideCursor: true, clearOnComplete: false, etaBuffer: 30, fps: 2, stream: process.stderr },
          cliProgress.Presets.shades_classic,
        );
    const handles = new Map<string, cliProgress.SingleBar>();
    let lastLine = '';
    for (let poll = 1; ; poll++) {
      run = await store.run.findUniqueOrThrow({ where: { id: studyRunId } });
      // Watchdog: restarts the step chain if it broke (every ~30 s; a no-op while it runs).
      if (poll % 15 === 0 && !['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(run.status)) await study.ensureStep(launcher, studyRunId);
      const items = await study.assessStudy(store, run);
      for (const s of study.stageProgress(items)) {
        const payload = { stage: STAGE_NAMES[s.stage].padEnd(26), done: s.done, total: s.total, running: s.running ? `· ${s.running} running` : '' };
        if (bars) {
          let bar = handles.get(s.stage);
          if (!bar) handles.set(s.stage, (bar = bars.create(Math.max(s.total, 1), 0, payload)));
          bar.setTotal(Math.max(s.total, 1));
          bar.update(s.value, payload);
        }
      }
      if (!bars) {
        const line = `${(run.progress * 100).toFixed(0)}% · ${run.stage ?? run.status}${run.etaSeconds ? ` · ETA ${Math.round(run.etaSeconds / 60)} min` : ''}`;
        if (line !== lastLine) o.log(line);
        lastLine = line;
      }
      if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(run.status) || o.signal?.aborted) break;
      await sleep(2000, o.signal);
    }
    bars?.stop();
    if (o.signal?.aborted) return { studyRunId, status: run.status, seconds: (Date.now() - started) / 1000 };
    await stopWorkers(workers);
    workers = [];
    o.log(`study ${run.status}${run.error ? `: ${run.error}` : ''}`);
    const { writeReport } = require('../../report') as typeof import('../../report');
    const report = await writeReport({ store, boss, config: o.config, databaseDescription: o.platform.database }, { outDir: o.reportDir, studyRunId });
    return { studyRunId, status: run.status, reportPath: report.htmlPath, seconds: (Date.now() - started) / 1000 };
  } finally {
    await stopWorkers(workers);
    await boss.stop({ graceful: true, timeout: 5000 }).catch(() => {});
    await stepStore?.$disconnect().catch(() => {});
    await store.$disconnect().catch(() => {});
  }
}

function positiveInt(text: string, name: string, min = 1): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < min) throw new InvalidInputError('BAD_ARGUMENT', `${name} "${text}": expected an integer ≥ ${min}`);
  return v;
}

export function register(program: Command): void {
  program
    .command('study')
    .description("run the paper's benchmark study (datasets, training, distortions, site shift) and write the report")
    .addOption(new Option('--preset <preset>', 'quick (2-core CPU, < 1 h) or paper (GPU)').choices(['quick', 'paper', 'tiny']).default('quick'))
    .option('--repeats <n>', 'repeats with different seeds (paper: 5)', '1')
    .option('--report <dir>', 'report folder (default: <data dir>/report)')
    .option('--workers <n>', 'worker processes for the study (default: one per CPU core)')
    .option('--no-progress', 'log lines instead of progress bars')
    .action(async (options: { preset: StudyPresetName; repeats: string; report?: string; workers?: string; progress: boolean }) => {
      const repeats = positiveInt(options.repeats, '--repeats');
      const workers = options.workers !== undefined ? positiveInt(options.workers, '--workers', 0) : Math.max(1, os.cpus().length);
      const config = loadConfig(process.env);
      const reportDir = path.resolve(options.report ?? path.join(config.dataDir, 'report'));
      const log = (message: string) => console.error(`[cardiac-uq] ${message}`);
      log(`study (${options.preset}); database: ${config.databaseUrl ? 'external (DATABASE_URL)' : `embedded in ${config.dataDir}`}`);
      const { startPlatform } = require('../../app') as typeof import('../../app');
      // The API only: training blocks the process that runs it, and this one draws the progress.
      const platform = await startPlatform(config, 'api', log);
      if (workers === 0) log('--workers 0: waiting for workers elsewhere (serve --role worker on this database)');
      if (platform.graphqlUrl) {
        console.log(`GraphQL:   ${platform.graphqlUrl}`);
        console.log(`Dashboard: ${platform.url}/`);
      }
      const controller = new AbortController();
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        log(`${signal}: stopping; the study resumes at the next start`);
        controller.abort();
      };
      process.removeAllListeners('SIGINT');
      process.removeAllListeners('SIGTERM');
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
      let result: ForegroundStudyResult | undefined;
      try {
        result = await runStudyInForeground({ config, platform, preset: options.preset, repeats, reportDir, workers, log, signal: controller.signal, progress: options.progress });
      } finally {
        await platform.close();
      }
      if (controller.signal.aborted) {
        log('stopped');
        process.exit(130);
      }
      log(`study ${result!.studyRunId}: ${result!.status} in ${(result!.seconds / 60).toFixed(1)} min`);
      console.log(`Report: ${result!.reportPath}`);
      // Exit now: a job interrupted in this process may hold timers until its retry elsewhere.
      process.exit(result!.status === 'SUCCEEDED' ? 0 : 1);
    });
}
