/**
 * Starting the benchmark study (plan in ./plan.ts). A STUDY run is orchestrated by a chain of
 * short `study` jobs ("steps", jobs/handlers/study-step.ts): each looks at what exists
 * (./assess.ts), launches whatever is now possible and not yet done, records progress and
 * enqueues the next step. Work itself runs as ordinary jobs on any worker.
 *
 * One step at a time: the study run's `jobId` names the step that owns it. `ensureStep`, called by
 * the launch and by anyone following the study, restarts a chain that broke.
 */
import crypto from 'node:crypto';
import type { Run } from '../../db/generated/client';
import { appendAudit } from '../../db/audit';
import { isFinished, isUnsuccessful } from '../../domain/constants';
import type { StudyRunConfig } from '../../domain/run-config';
import { enqueue, jobIsLive, QUEUES } from '../../jobs/queues';
import { createRun } from '../../store/runs';
import { badInput } from '../errors';
import type { Launcher } from '../launcher';
import { studyConfigOf } from './assess';
import { defaultRepeats, planKey, studyPlan, type StudyPlanOverrides, type StudyPreset } from './plan';

export interface StudyRequest {
  preset: StudyPreset;
  /** Default: the preset's (defaultRepeats: `standard` 3, else 1). */
  repeats?: number;
  overrides?: StudyPlanOverrides;
}

export type StudyStart = 'created' | 'resumed' | 'finished';

/**
 * Finds the study of this plan or creates it, and makes sure a step is queued. A finished study
 * asked for more repeats, or a failed / cancelled one asked again, is reopened.
 */
export async function launchStudy(
  l: Launcher,
  request: StudyRequest,
  parentRunId?: string,
): Promise<{ run: Run; start: StudyStart }> {
  const repeats = request.repeats ?? defaultRepeats(request.preset);
  if (!Number.isInteger(repeats) || repeats < 1 || repeats > 20)
    throw badInput(`repeats must be 1..20 (got ${repeats})`, 'repeats');
  const plan = studyPlan(request.preset, request.overrides);
  const key = planKey(plan);
  const studies = await l.store.run.findMany({ where: { kind: 'STUDY' }, orderBy: { createdAt: 'asc' } });
  let run = studies.find((s) => planKey(studyConfigOf(s).plan) === key);
  if (!run) {
    const config: StudyRunConfig = { plan, repeats };
    run = await createRun(l.store, l, { kind: 'STUDY', config, seed: plan.seed, parentRunId });
    await ensureStep(l, run.id);
    return { run: await l.store.run.findUniqueOrThrow({ where: { id: run.id } }), start: 'created' };
  }
  const had = studyConfigOf(run).repeats;
  const more = repeats > had;
  if (!more && run.status === 'SUCCEEDED') return { run, start: 'finished' };
  if (more || isUnsuccessful(run.status)) {
    const config: StudyRunConfig = { plan, repeats: Math.max(had, repeats) };
    const { id, status: previousStatus } = run;
    const reopen = isFinished(previousStatus);
    await l.store.$transaction(async (tx) => {
      await tx.run.update({
        where: { id },
        data: {
          config,
          ...(reopen ? { status: 'RUNNING', error: null, finishedAt: null, startedAt: new Date() } : {}),
        },
      });
      await appendAudit(tx, {
        actor: l.actor,
        action: reopen ? 'study.reopened' : 'study.extended',
        entity: 'Run',
        entityId: id,
        details: { previousStatus, repeats: { from: had, to: Math.max(had, repeats) } },
      });
    });
  }
  await ensureStep(l, run.id);
  return { run: await l.store.run.findUniqueOrThrow({ where: { id: run.id } }), start: 'resumed' };
}

/** Queues a step unless the study's current step job is still waiting, retrying or running. */
export async function ensureStep(l: Launcher, runId: string): Promise<void> {
  const run = await l.store.run.findUniqueOrThrow({ where: { id: runId } });
  if (isFinished(run.status)) return;
  if (run.jobId && (await jobIsLive(l.boss, QUEUES.study, run.jobId))) return;
  const jobId = crypto.randomUUID();
  const claimed = await l.store.run.updateMany({ where: { id: runId, jobId: run.jobId }, data: { jobId } });
  if (claimed.count === 1) await enqueue(l.boss, QUEUES.study, { runId }, { id: jobId });
}
