/**
 * Job: one orchestration step of the benchmark study (services/study/launch.ts starts the chain).
 * A step looks at what exists (services/study/assess.ts), launches through the services whatever
 * is now possible and not yet done, records progress, and enqueues the next step a few seconds
 * later. Work itself runs as ordinary jobs on any worker.
 *
 * Idempotent and resumable: every child is found again by the configuration it was launched with
 * (datasets by name, runs by config among the study's children), so a step, a re-run or a restart
 * after Ctrl-C never launches finished or running work twice. Failed or cancelled children are
 * relaunched up to MAX_ATTEMPTS times (counted since the study was last (re)started).
 *
 * One step at a time: the study run's `jobId` names the step that owns it. The owner claims its
 * successor's id by compare-and-swap before queueing it; a step whose job is not the owner does
 * nothing, unless the owner can no longer run (then it takes over).
 */
import crypto from 'node:crypto';
import type { Run } from '../../db/generated/client';
import type { Store } from '../../db/client';
import { ACTIVE_WHERE, isActive, isFinished } from '../../domain/constants';
import { LaunchError } from '../../services/errors';
import type { Launcher } from '../../services/launcher';
import { assessStudy, overallProgress, stageProgress, studyConfigOf } from '../../services/study/assess';
import type { JobHandler } from '../job-handler';
import { enqueue, jobIsLive, QUEUES, type Boss } from '../queues';
import { markRunFailed } from '../run-lifecycle';

export const studyStep: JobHandler<typeof QUEUES.study> = async (job, { store, boss, config }) => {
  const { runId } = job.data;
  let study = await store.run.findUnique({ where: { id: runId } });
  if (!study || study.kind !== 'STUDY' || isFinished(study.status)) return;
  if (study.jobId !== job.id) {
    // Another step owns the study; take over only if that one can no longer run.
    if (study.jobId && (await jobIsLive(boss, QUEUES.study, study.jobId))) return;
    const taken = await store.run.updateMany({ where: { id: runId, jobId: study.jobId }, data: { jobId: job.id } });
    if (taken.count === 0) return;
    study = await store.run.findUniqueOrThrow({ where: { id: runId } });
  }
  let finished = false;
  try {
    finished = await step(store, boss, config.codeVersion, study);
  } catch (error) {
    // Transient trouble (a transaction starved by a busy worker, a lost connection) must not end a
    // study of hours: note it on the run and let the next step try again.
    await store.run.updateMany({
      where: { id: runId, status: ACTIVE_WHERE },
      data: { error: `step: ${(error as Error).message.slice(0, 500)}` },
    });
  }
  if (finished) return;
  const current = await store.run.findUniqueOrThrow({ where: { id: runId } });
  if (isFinished(current.status)) return; // cancelled meanwhile
  // Hand over before the next step can start: claim its id first, then queue it.
  const next = crypto.randomUUID();
  const handedOver = await store.run.updateMany({ where: { id: runId, jobId: job.id }, data: { jobId: next } });
  if (handedOver.count === 0) return;
  try {
    await enqueue(boss, QUEUES.study, { runId }, { id: next, startAfter: studyConfigOf(current).plan.stepSeconds });
  } catch (error) {
    await store.run.updateMany({ where: { id: runId, jobId: next }, data: { jobId: job.id } });
    throw error; // this step is retried and hands over again
  }
};

/**
 * A launch cut off between creating its run and queueing its jobs (the process stopped) leaves a
 * QUEUED run that nothing will run; a sweep cut off before its first evaluation has no children.
 * After a grace period they are marked FAILED, so the study relaunches them.
 */
export const BROKEN_LAUNCH_GRACE_MS = 120000;

async function reapBrokenLaunches(store: Store, boss: Boss, studyId: string): Promise<void> {
  const before = new Date(Date.now() - BROKEN_LAUNCH_GRACE_MS);
  const sweeps = await store.run.findMany({
    where: { parentRunId: studyId, kind: 'SWEEP' },
    select: { id: true, status: true, createdAt: true, _count: { select: { children: true } } },
  });
  const emptySweeps = sweeps.filter((s) => isActive(s.status) && s._count.children === 0 && s.createdAt < before);
  for (const { id } of emptySweeps)
    await markRunFailed(store, id, 'launch interrupted before its evaluations were created');
  // Runs still waiting or running although none of their jobs can run any more: the launch was cut
  // off before all jobs (members, shards) were queued.
  const live = await store.run.findMany({
    where: {
      status: ACTIVE_WHERE,
      kind: { in: ['DATASET', 'TRAIN', 'EVALUATE', 'CALIBRATE'] },
      createdAt: { lt: before },
      parentRunId: { in: [studyId, ...sweeps.map((s) => s.id)] },
    },
    select: { id: true },
  });
  if (!live.length) return;
  const { rows } = (await boss.getDb().executeSql(
    `SELECT data->>'runId' AS "runId", bool_or(state IN ('created', 'retry', 'active')) AS live,
       max(coalesce(completed_on, started_on, created_on)) AS last
     FROM pgboss.job WHERE name = ANY($1) AND data->>'runId' = ANY($2) GROUP BY 1`,
    [[QUEUES.createDataset, QUEUES.trainMember, QUEUES.evaluateShard, QUEUES.fitTemperature], live.map((r) => r.id)],
  )) as { rows: Array<{ runId: string; live: boolean; last: Date }> };
  for (const { id } of live) {
    const jobs = rows.find((r) => r.runId === id);
    if (jobs && (jobs.live || new Date(jobs.last) >= before)) continue;
    await markRunFailed(
      store,
      id,
      jobs
        ? 'its jobs ended before the run finished (launch interrupted)'
        : 'launch interrupted before its jobs were queued',
    );
  }
}

/** One orchestration step; true when the study has finished (succeeded or failed). */
async function step(store: Store, boss: Boss, codeVersion: string, study: Run): Promise<boolean> {
  const runId = study.id;
  await reapBrokenLaunches(store, boss, runId);
  if (!study.startedAt)
    await store.run.updateMany({ where: { id: runId, startedAt: null }, data: { startedAt: new Date() } });
  const current = await store.run.findUniqueOrThrow({ where: { id: runId } });
  const l: Launcher = { store, boss, actor: study.createdBy, codeVersion };

  let items = await assessStudy(store, current);
  let launchError: string | null = null;
  const ready = items.filter((i) => i.state === 'ready');
  for (const item of ready) {
    try {
      await item.launch!(l, runId);
    } catch (error) {
      // A refused launch (bad plan for this data) will not fix itself; anything else is retried.
      if (!(error instanceof LaunchError)) throw error;
      launchError = `${item.stage} ${item.label}: ${error.message}`;
      break;
    }
  }
  if (ready.length) items = await assessStudy(store, current);

  const progress = overallProgress(items);
  const stage = stageProgress(items)
    .map((s) => `${s.stage} ${s.done}/${s.total}`)
    .join(' · ');
  const active = items.some((i) => i.state === 'running' || i.state === 'ready');
  const failed = items.filter((i) => i.state === 'failed');
  const elapsed = (Date.now() - (current.startedAt ?? current.createdAt).getTime()) / 1000;
  const etaSeconds = progress > 0.02 ? (elapsed * (1 - progress)) / progress : null;
  const live = { id: runId, status: ACTIVE_WHERE };

  if (launchError || (!active && failed.length > 0)) {
    const error =
      launchError ?? `failed: ${failed.map((i) => `${i.stage} ${i.label} (${i.error ?? 'failed'})`).join('; ')}`;
    await store.run.updateMany({
      where: live,
      data: { status: 'FAILED', error, progress, stage, etaSeconds: null, finishedAt: new Date() },
    });
    return true;
  }
  if (items.every((i) => i.state === 'done')) {
    await store.run.updateMany({
      where: live,
      data: { status: 'SUCCEEDED', progress: 1, stage, etaSeconds: 0, error: null, finishedAt: new Date() },
    });
    return true;
  }
  await store.run.updateMany({ where: live, data: { status: 'RUNNING', progress, stage, etaSeconds, error: null } });
  return false;
}
