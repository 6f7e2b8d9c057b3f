/**
 * The benchmark study as a job (paper: every experiment; plan in ./study-plan.ts). A STUDY run is
 * orchestrated by a chain of short `study` jobs ("steps"): each step looks at what exists, launches
 * through launch.ts whatever is now possible and not yet done, records progress, and enqueues the
 * next step a few seconds later. Work itself runs as ordinary jobs on any worker.
 *
 * Stages: phantom site A and site B → one training per method variant and repeat → per training,
 * a distortion sweep on the site-A test split (its undistorted level is the site-A test) and an
 * evaluation on all of site B. Evaluations start as soon as their training has finished.
 *
 * Idempotent and resumable: every child is found again by the configuration it was launched with
 * (datasets by name, runs by config among the study's children), so a step, a re-run or a restart
 * after Ctrl-C never launches finished or running work twice. Failed or cancelled children are
 * relaunched up to MAX_ATTEMPTS times (counted since the study was last (re)started).
 *
 * One step at a time: the study run's `jobId` names the step that owns it. The owner claims its
 * successor's id by compare-and-swap before queueing it; a step whose job is not the owner does
 * nothing, unless the owner can no longer run (then it takes over). `ensureStep`, called by anyone
 * following the study, restarts a chain that broke.
 */
import crypto from 'node:crypto';
import type { Prisma, Run } from '../db/generated/client';
import type { Store } from '../db/client';
import { appendAudit, canonicalJson } from '../db/audit';
import type { JobHandler } from './handlers';
import { createRun, launchEvaluation, launchPhantomDataset, launchSweep, launchTraining } from './launch';
import type { Launcher } from './launch';
import { badInput, LaunchError } from './launch-error';
import { enqueue, QUEUES } from './queues';
import { markRunFailed } from './run-lifecycle';
import {
  datasetName,
  expectedTrainingKey,
  planKey,
  storedSamples,
  studyPlan,
  trainingKey,
  type StudyPlan,
  type StudyPlanOverrides,
  type StudyPreset,
  type StudyVariant,
} from './study-plan';

export const MAX_ATTEMPTS = 2;
const LIVE = new Set(['QUEUED', 'RUNNING']);
const FAILED = new Set(['FAILED', 'CANCELLED']);
const FINISHED = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

export interface StudyConfig {
  plan: StudyPlan;
  repeats: number;
}

export function studyConfigOf(run: Pick<Run, 'config'>): StudyConfig {
  return run.config as unknown as StudyConfig;
}

// ---- starting -------------------------------------------------------------------------------

export interface StudyRequest {
  preset: StudyPreset;
  repeats?: number;
  overrides?: StudyPlanOverrides;
}

export type StudyStart = 'created' | 'resumed' | 'finished';

/**
 * Finds the study of this plan or creates it, and makes sure a step is queued. A finished study
 * asked for more repeats, or a failed / cancelled one asked again, is reopened.
 */
export async function launchStudy(l: Launcher, request: StudyRequest, parentRunId?: string): Promise<{ run: Run; start: StudyStart }> {
  const repeats = request.repeats ?? 1;
  if (!Number.isInteger(repeats) || repeats < 1 || repeats > 20) throw badInput(`repeats must be 1..20 (got ${repeats})`, 'repeats');
  const plan = studyPlan(request.preset, request.overrides);
  const key = planKey(plan);
  const studies = await l.store.run.findMany({ where: { kind: 'STUDY' }, orderBy: { createdAt: 'asc' } });
  let run = studies.find((s) => planKey(studyConfigOf(s).plan) === key);
  if (!run) {
    const config = { plan, repeats } as unknown as Prisma.InputJsonObject;
    run = await createRun(l, { kind: 'STUDY', config, seed: plan.seed, parentRunId });
    await ensureStep(l, run.id);
    return { run: await l.store.run.findUniqueOrThrow({ where: { id: run.id } }), start: 'created' };
  }
  const had = studyConfigOf(run).repeats;
  const more = repeats > had;
  if (!more && run.status === 'SUCCEEDED') return { run, start: 'finished' };
  if (more || FAILED.has(run.status)) {
    const config = { plan, repeats: Math.max(had, repeats) } as unknown as Prisma.InputJsonObject;
    const id = run.id;
    const reopen = FINISHED.has(run.status);
    await l.store.$transaction(async (tx) => {
      await tx.run.update({
        where: { id },
        data: { config, ...(reopen ? { status: 'RUNNING', error: null, finishedAt: null, startedAt: new Date() } : {}) },
      });
      await appendAudit(tx, {
        actor: l.actor,
        action: reopen ? 'study.reopened' : 'study.extended',
        entity: 'Run',
        entityId: id,
        details: { previousStatus: run!.status, repeats: { from: had, to: Math.max(had, repeats) } },
      });
    });
  }
  await ensureStep(l, run.id);
  return { run: await l.store.run.findUniqueOrThrow({ where: { id: run.id } }), start: 'resumed' };
}

/** Queues a step unless the study's current step job is still waiting, retrying or running. */
export async function ensureStep(l: Launcher, runId: string): Promise<void> {
  const run = await l.store.run.findUniqueOrThrow({ where: { id: runId } });
  if (FINISHED.has(run.status)) return;
  if (run.jobId && (await stepIsLive(l.boss, run.jobId))) return;
  const jobId = crypto.randomUUID();
  const claimed = await l.store.run.updateMany({ where: { id: runId, jobId: run.jobId }, data: { jobId } });
  if (claimed.count === 1) await enqueue(l.boss, QUEUES.study, { runId }, { id: jobId });
}

// ---- what exists ----------------------------------------------------------------------------

export type StudyStage = 'datasets' | 'training' | 'siteA' | 'siteB';
export const STUDY_STAGES: readonly StudyStage[] = ['datasets', 'training', 'siteA', 'siteB'];

export interface StudyItem {
  stage: StudyStage;
  /** e.g. "MCD-0.1 r1" */
  label: string;
  /** waiting: its inputs are not ready; ready: to launch now; failed: attempts exhausted. */
  state: 'waiting' | 'ready' | 'running' | 'done' | 'failed';
  runId?: string;
  progress: number;
  error?: string | null;
  launch?: (l: Launcher, studyRunId: string) => Promise<unknown>;
}

type Json = Record<string, unknown>;
const cfg = (run: Run) => run.config as Json;

/** The item's state from the runs launched for it (oldest first). */
function resolve(candidates: Run[], since: Date): Pick<StudyItem, 'state' | 'runId' | 'progress' | 'error'> {
  const done = candidates.filter((r) => r.status === 'SUCCEEDED').pop();
  if (done) return { state: 'done', runId: done.id, progress: 1 };
  const live = candidates.find((r) => LIVE.has(r.status));
  if (live) return { state: 'running', runId: live.id, progress: live.progress };
  const failures = candidates.filter((r) => FAILED.has(r.status) && r.createdAt >= since);
  const last = candidates[candidates.length - 1];
  if (failures.length >= MAX_ATTEMPTS) return { state: 'failed', runId: last?.id, progress: 0, error: last?.error ?? last?.status };
  return { state: 'ready', progress: 0, error: last?.error ?? null };
}

export async function assessStudy(store: Store, study: Run): Promise<StudyItem[]> {
  const { plan, repeats } = studyConfigOf(study);
  const since = study.startedAt ?? study.createdAt;
  const children = await store.run.findMany({ where: { parentRunId: study.id }, orderBy: { createdAt: 'asc' } });
  // A sweep whose launch broke off midway settles SUCCEEDED over fewer evaluations: count as failed.
  const sweepIds = children.filter((c) => c.kind === 'SWEEP' && c.status === 'SUCCEEDED').map((c) => c.id);
  const succeeded = sweepIds.length
    ? await store.run.groupBy({ by: ['parentRunId'], where: { parentRunId: { in: sweepIds }, status: 'SUCCEEDED' }, _count: { _all: true } })
    : [];
  const wanted = 1 + plan.kinds.length * plan.levels.length;
  for (const [i, c] of children.entries()) {
    const done = succeeded.find((g) => g.parentRunId === c.id)?._count._all ?? 0;
    if (sweepIds.includes(c.id) && done < wanted) children[i] = { ...c, status: 'FAILED', error: `sweep has ${done} of ${wanted} evaluations` };
  }
  const items: StudyItem[] = [];

  const datasets: Partial<Record<'A' | 'B', string>> = {};
  for (const site of ['A', 'B'] as const) {
    const name = datasetName(plan, site);
    const existing = await store.dataset.findUnique({ where: { name }, select: { id: true, createdByRunId: true } });
    const label = `site ${site} (${name})`;
    if (existing) {
      datasets[site] = existing.id;
      items.push({ stage: 'datasets', label, state: 'done', runId: existing.createdByRunId ?? undefined, progress: 1 });
      continue;
    }
    // Another study may be generating the same phantom: wait for it rather than collide on the name.
    const elsewhere = await store.run.findMany({ where: { kind: 'DATASET', status: { in: ['QUEUED', 'RUNNING'] } } });
    const candidates = [...children, ...elsewhere.filter((r) => r.parentRunId !== study.id)].filter((r) => r.kind === 'DATASET' && cfg(r).name === name);
    const s = plan[site === 'A' ? 'siteA' : 'siteB'];
    items.push({
      stage: 'datasets',
      label,
      ...resolve(candidates, since),
      launch: (l, parent) => launchPhantomDataset(l, { name, site, subjects: s.subjects, seed: s.seed }, parent),
    });
  }

  for (let repeat = 0; repeat < repeats; repeat++) {
    for (const variant of plan.variants) {
      const label = `${variant.label} r${repeat}`;
      const training = trainingItem(plan, variant, repeat, label, datasets.A, children, since);
      items.push(training);
      const trainingRunId = training.state === 'done' ? training.runId : undefined;
      items.push(sweepItem(plan, variant, repeat, label, trainingRunId, datasets.A, children, since));
      items.push(siteBItem(plan, variant, repeat, label, trainingRunId, datasets.B, children, since));
    }
  }
  return items;
}

function trainingItem(plan: StudyPlan, variant: StudyVariant, repeat: number, label: string, datasetId: string | undefined, children: Run[], since: Date): StudyItem {
  if (!datasetId) return { stage: 'training', label, state: 'waiting', progress: 0 };
  const key = expectedTrainingKey(plan, variant, repeat);
  const candidates = children.filter((r) => r.kind === 'TRAIN' && r.datasetId === datasetId && trainingKey(cfg(r)) === key);
  return {
    stage: 'training',
    label,
    ...resolve(candidates, since),
    launch: (l, parent) =>
      launchTraining(
        l,
        {
          datasetId,
          method: variant.method,
          preset: plan.preset,
          seed: plan.seed + repeat,
          ...(plan.epochs !== null ? { epochs: plan.epochs } : {}),
          ...(variant.method === 'MC_DROPOUT' ? { dropoutRate: variant.dropoutRate, dropoutLayers: variant.dropoutLayers } : {}),
          ...(variant.method === 'BBB' ? { priorSigma: variant.priorSigma, klWeight: variant.klWeight } : {}),
          ...(variant.method === 'ENSEMBLE' ? { members: variant.members } : {}),
        },
        parent,
      ),
  };
}

function sweepItem(plan: StudyPlan, variant: StudyVariant, repeat: number, label: string, trainingRunId: string | undefined, datasetId: string | undefined, children: Run[], since: Date): StudyItem {
  if (!trainingRunId || !datasetId) return { stage: 'siteA', label, state: 'waiting', progress: 0 };
  const samples = storedSamples(plan, variant);
  const candidates = children.filter((r) => {
    const c = cfg(r);
    return r.kind === 'SWEEP' && c.trainingRunId === trainingRunId && c.datasetId === datasetId && c.split === 'TEST' && c.samples === samples &&
      canonicalJson([...(c.kinds as string[])].sort()) === canonicalJson([...plan.kinds].sort()) && canonicalJson(c.levels) === canonicalJson(plan.levels);
  });
  return {
    stage: 'siteA',
    label,
    ...resolve(candidates, since),
    launch: (l, parent) =>
      launchSweep(l, { trainingRunId, datasetId, split: 'TEST', kinds: plan.kinds, levels: plan.levels, samples: plan.samples, seed: plan.seed + repeat, shardSize: plan.shardSize }, parent),
  };
}

function siteBItem(plan: StudyPlan, variant: StudyVariant, repeat: number, label: string, trainingRunId: string | undefined, datasetId: string | undefined, children: Run[], since: Date): StudyItem {
  if (!trainingRunId || !datasetId) return { stage: 'siteB', label, state: 'waiting', progress: 0 };
  const samples = storedSamples(plan, variant);
  const candidates = children.filter((r) => {
    const c = cfg(r);
    return r.kind === 'EVALUATE' && c.trainingRunId === trainingRunId && c.datasetId === datasetId && c.split === null && c.samples === samples &&
      (c.distortion as { kind?: string } | undefined)?.kind === 'NONE';
  });
  return {
    stage: 'siteB',
    label,
    ...resolve(candidates, since),
    launch: (l, parent) => launchEvaluation(l, { trainingRunId, datasetId, samples: plan.samples, seed: plan.seed + repeat, shardSize: plan.shardSize }, parent),
  };
}

/** Weights of the stages in the study's overall progress (training dominates on a CPU). */
const STAGE_WEIGHT: Record<StudyStage, number> = { datasets: 0.05, training: 0.45, siteA: 0.4, siteB: 0.1 };

export function stageProgress(items: StudyItem[]) {
  return STUDY_STAGES.map((stage) => {
    const of = items.filter((i) => i.stage === stage);
    return {
      stage,
      total: of.length,
      done: of.filter((i) => i.state === 'done').length,
      running: of.filter((i) => i.state === 'running').length,
      failed: of.filter((i) => i.state === 'failed').length,
      /** Sum of the items' progress, 0..total. */
      value: of.reduce((sum, i) => sum + i.progress, 0),
    };
  });
}

export function overallProgress(items: StudyItem[]): number {
  return stageProgress(items).reduce((sum, s) => sum + (s.total ? (STAGE_WEIGHT[s.stage] * s.value) / s.total : STAGE_WEIGHT[s.stage]), 0);
}

// ---- the step job ---------------------------------------------------------------------------

export const studyStep: JobHandler = async (job, { store, boss, config }) => {
  const { runId } = job.data as { runId: string };
  let study = await store.run.findUnique({ where: { id: runId } });
  if (!study || study.kind !== 'STUDY' || FINISHED.has(study.status)) return;
  if (study.jobId !== job.id) {
    // Another step owns the study; take over only if that one can no longer run.
    if (study.jobId && (await stepIsLive(boss, study.jobId))) return;
    const taken = await store.run.updateMany({ where: { id: runId, jobId: study.jobId }, data: { jobId: job.id } });
    if (taken.count === 0) return;
    study = await store.run.findUniqueOrThrow({ where: { id: runId } });
  }
  let finished = false;
  try {
    finished = await step(store, boss, config.version, study);
  } catch (error) {
    // Transient trouble (a transaction starved by a busy worker, a lost connection) must not end a
    // study of hours: note it on the run and let the next step try again.
    await store.run.updateMany({ where: { id: runId, status: { in: ['QUEUED', 'RUNNING'] } }, data: { error: `step: ${(error as Error).message.slice(0, 500)}` } });
  }
  if (finished) return;
  const current = await store.run.findUniqueOrThrow({ where: { id: runId } });
  if (FINISHED.has(current.status)) return; // cancelled meanwhile
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

async function stepIsLive(boss: Launcher['boss'], jobId: string): Promise<boolean> {
  const [job] = await boss.findJobs(QUEUES.study, { id: jobId });
  return !!job && ['created', 'retry', 'active'].includes(job.state);
}

/**
 * A launch cut off between creating its run and queueing its jobs (the process stopped) leaves a
 * QUEUED run that nothing will run; a sweep cut off before its first evaluation has no children.
 * After a grace period they are marked FAILED, so the study relaunches them.
 */
export const BROKEN_LAUNCH_GRACE_MS = 120000;

async function reapBrokenLaunches(store: Store, boss: Launcher['boss'], studyId: string): Promise<void> {
  const before = new Date(Date.now() - BROKEN_LAUNCH_GRACE_MS);
  const sweeps = await store.run.findMany({ where: { parentRunId: studyId, kind: 'SWEEP' }, select: { id: true, status: true, createdAt: true, _count: { select: { children: true } } } });
  const emptySweeps = sweeps.filter((s) => LIVE.has(s.status) && s._count.children === 0 && s.createdAt < before);
  for (const { id } of emptySweeps) await markRunFailed(store, id, 'launch interrupted before its evaluations were created');
  // Runs still waiting or running although none of their jobs can run any more: the launch was cut
  // off before all jobs (members, shards) were queued.
  const live = await store.run.findMany({
    where: { status: { in: ['QUEUED', 'RUNNING'] }, kind: { in: ['DATASET', 'TRAIN', 'EVALUATE'] }, createdAt: { lt: before }, parentRunId: { in: [studyId, ...sweeps.map((s) => s.id)] } },
    select: { id: true },
  });
  if (!live.length) return;
  const { rows } = (await boss.getDb().executeSql(
    `SELECT data->>'runId' AS "runId", bool_or(state IN ('created', 'retry', 'active')) AS live,
       max(coalesce(completed_on, started_on, created_on)) AS last
     FROM pgboss.job WHERE name = ANY($1) AND data->>'runId' = ANY($2) GROUP BY 1`,
    [[QUEUES.createDataset, QUEUES.trainMember, QUEUES.evaluateShard], live.map((r) => r.id)],
  )) as { rows: Array<{ runId: string; live: boolean; last: Date }> };
  for (const { id } of live) {
    const jobs = rows.find((r) => r.runId === id);
    if (jobs && (jobs.live || new Date(jobs.last) >= before)) continue;
    await markRunFailed(store, id, jobs ? 'its jobs ended before the run finished (launch interrupted)' : 'launch interrupted before its jobs were queued');
  }
}

/** One orchestration step; true when the study has finished (succeeded or failed). */
async function step(store: Store, boss: Launcher['boss'], codeVersion: string, study: Run): Promise<boolean> {
  const runId = study.id;
  await reapBrokenLaunches(store, boss, runId);
  if (!study.startedAt) await store.run.updateMany({ where: { id: runId, startedAt: null }, data: { startedAt: new Date() } });
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
  const stage = stageProgress(items).map((s) => `${s.stage} ${s.done}/${s.total}`).join(' · ');
  const active = items.some((i) => i.state === 'running' || i.state === 'ready');
  const failed = items.filter((i) => i.state === 'failed');
  const elapsed = (Date.now() - (current.startedAt ?? current.createdAt).getTime()) / 1000;
  const etaSeconds = progress > 0.02 ? (elapsed * (1 - progress)) / progress : null;
  const live = { id: runId, status: { in: ['QUEUED' as const, 'RUNNING' as const] } };

  if (launchError || (!active && failed.length > 0)) {
    const error = launchError ?? `failed: ${failed.map((i) => `${i.stage} ${i.label} (${i.error ?? 'failed'})`).join('; ')}`;
    await store.run.updateMany({ where: live, data: { status: 'FAILED', error, progress, stage, etaSeconds: null, finishedAt: new Date() } });
    return true;
  }
  if (items.every((i) => i.state === 'done')) {
    await store.run.updateMany({ where: live, data: { status: 'SUCCEEDED', progress: 1, stage, etaSeconds: 0, error: null, finishedAt: new Date() } });
    return true;
  }
  await store.run.updateMany({ where: live, data: { status: 'RUNNING', progress, stage, etaSeconds, error: null } });
  return false;
}
