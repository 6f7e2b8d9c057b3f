/**
 * The benchmark study run to its end from one process, as `cardiac-uq study` and `npm start` do:
 * launch (or find, or resume) the study on the platform's store and queue, bring extra worker
 * processes for its duration, follow it until it finishes, then write the report (src/report).
 *
 * Training runs on wasm, one thread per process, and blocks its process while it computes, so the
 * caller's process serves the API and follows, and W `serve --role worker` processes (one per
 * CPU core) do the work; more workers on other machines may share it through DATABASE_URL; a
 * `cardiac-uq report` child writes the report. On abort it stops following and the study stays RUNNING in the store, to be resumed by the next start.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Run } from '../../db/generated/client';
import type { Platform } from '../../app';
import type { Config } from '../../config';
import { createStore } from '../../db/client';
import { ACTIVE_WHERE, isFinished } from '../../domain/constants';
import { studyTimings, timingLines } from '../../domain/study-timings';
import { QUEUES } from '../../jobs/queues';
import { startWorker, type Worker } from '../../jobs/worker';
import { superviseWorkers, type WorkerProcesses } from '../../jobs/worker-processes';
import type { Launcher } from '../launcher';
import { assessStudy, stageProgress, studyConfigOf } from './assess';
import { ensureStep, launchStudy } from './launch';
import type { StudyPlanOverrides, StudyPreset } from './plan';

export { defaultRepeats } from './plan';

export interface ForegroundStudyOptions {
  config: Config;
  platform: Platform;
  preset: StudyPreset;
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
  overrides?: StudyPlanOverrides;
  /** Called at every poll (about every 2 s) with the study run and its stages. */
  onProgress?: (run: Run, stages: ReturnType<typeof stageProgress>) => void;
}

export interface ForegroundStudyResult {
  studyRunId: string;
  status: string;
  reportPath?: string;
  seconds: number;
}

const BIN = path.resolve(__dirname, '../../../bin/cardiac-uq.js');
const POLL_MS = 2000;
/** Polls between two watchdog calls of ensureStep (≈ 30 s). */
const WATCHDOG_POLLS = 15;

/**
 * The report (Vega figures rendered headless, seconds of CPU) is written by a `cardiac-uq report`
 * child on the same database, so that this process's event loop stays free for the API it serves.
 */
function writeReportInChild(o: ForegroundStudyOptions, studyRunId: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'report', '--out', o.reportDir, '--study', studyRunId], {
      env: { ...process.env, DATABASE_URL: o.platform.databaseUrl, CARDIAC_UQ_DATA_DIR: o.config.dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      const html = /^Report: (.+)$/m.exec(out)?.[1];
      if (code === 0 && html) resolve(html);
      else reject(new Error(`the report failed (exit ${code}): ${out.trim().split('\n').slice(-3).join(' ')}`));
    });
  });
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
 * This process also takes the study's orchestration steps when it only serves the API: unlike a
 * worker busy training, its event loop is free, so the steps' short transactions are not starved
 * (workers still take a step when this one is slower). Generous transaction limits for the audit
 * lock's queue.
 */
async function startStepWorker(o: ForegroundStudyOptions) {
  const store = createStore(o.platform.databaseUrl, { max: 4, transactionOptions: { maxWait: 30000, timeout: 60000 } });
  const worker = await startWorker({
    boss: o.platform.boss,
    store,
    config: o.config,
    backend: o.platform.backend,
    queues: [QUEUES.study],
    pollingIntervalSeconds: 0.5,
  });
  return { worker, store };
}

/** Launches (or finds) the study, follows it until it finishes, writes the report. */
export async function runStudyInForeground(o: ForegroundStudyOptions): Promise<ForegroundStudyResult | undefined> {
  const { store, boss } = o.platform;
  const started = Date.now();
  const launcher: Launcher = { store, boss, actor: o.config.actor, codeVersion: o.config.codeVersion };
  let workers: WorkerProcesses | undefined;
  // Also with `serve --role all`, whose jobs run in its worker child: the steps are short.
  const steps: { worker: Worker; store: { $disconnect(): Promise<void> } } = await startStepWorker(o);
  try {
    let run: Run;
    const unfinished =
      o.mode === 'auto' && (await store.run.count()) > 0
        ? await store.run.findFirst({ where: { kind: 'STUDY', status: ACTIVE_WHERE }, orderBy: { createdAt: 'desc' } })
        : undefined;
    if (unfinished === null) return undefined; // not empty, nothing to resume
    if (unfinished) {
      run = unfinished;
      await ensureStep(launcher, run.id);
      o.log(`resuming study ${run.id} (CARDIAC_UQ_AUTOSTUDY=0 turns this off)`);
    } else {
      if (o.mode === 'auto')
        o.log(`empty store: running the ${o.preset} benchmark study (CARDIAC_UQ_AUTOSTUDY=0 turns this off)`);
      const launched = await launchStudy(launcher, { preset: o.preset, repeats: o.repeats, overrides: o.overrides });
      run = launched.run;
      o.log(`study ${run.id} (${o.preset}, ${studyConfigOf(run).repeats} repeat(s)): ${launched.start}`);
    }
    const studyRunId = run.id;
    if (!isFinished(run.status) && o.workers > 0) {
      workers = superviseWorkers({
        count: o.workers,
        env: process.env,
        databaseUrl: o.platform.databaseUrl,
        dataDir: o.config.dataDir,
        log: o.log,
        name: 'study worker',
      });
      o.log(`${o.workers} worker process(es) joined the study`);
    }

    for (let poll = 1; ; poll++) {
      run = await store.run.findUniqueOrThrow({ where: { id: studyRunId } });
      // Watchdog: restarts the step chain if it broke (a no-op while it runs).
      if (poll % WATCHDOG_POLLS === 0 && !isFinished(run.status)) await ensureStep(launcher, studyRunId);
      o.onProgress?.(run, stageProgress(await assessStudy(store, run)));
      if (isFinished(run.status) || o.signal?.aborted) break;
      await sleep(POLL_MS, o.signal);
    }
    if (o.signal?.aborted) return { studyRunId, status: run.status, seconds: (Date.now() - started) / 1000 };
    await workers?.stop();
    workers = undefined;
    o.log(`study ${run.status}${run.error ? `: ${run.error}` : ''}`);
    const reportStarted = Date.now();
    const reportPath = await writeReportInChild(o, studyRunId);
    const children = await store.run.findMany({ where: { parentRunId: studyRunId }, orderBy: { createdAt: 'asc' } });
    const studyS = run.startedAt && run.finishedAt ? (run.finishedAt.getTime() - run.startedAt.getTime()) / 1000 : null;
    for (const line of timingLines(studyTimings(children), [
      ['report', (Date.now() - reportStarted) / 1000],
      ...(studyS !== null ? ([['study run', studyS]] as Array<[string, number]>) : []),
    ]))
      o.log(line);
    return { studyRunId, status: run.status, reportPath, seconds: (Date.now() - started) / 1000 };
  } finally {
    await workers?.stop();
    await steps.worker.stop().catch(() => {});
    await steps.store.$disconnect().catch(() => {});
  }
}
