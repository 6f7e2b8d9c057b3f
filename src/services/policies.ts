/**
 * Creating a QC policy from a finished evaluation on labelled data (docs/design.md "QC policy"):
 * per rule (structure, measure) the threshold for the target, chosen on the evaluation's stored
 * metric rows, and the combined policy's review fraction and poor fraction left with
 * subject-bootstrap intervals (engine/metrics/policy-promise.ts). Stored with its provenance —
 * evaluation, its training run, rules, target, bootstrap seed, code version, actor — and an audit
 * event. Everything is checked before anything is written: an unknown or unfinished evaluation, a
 * target outside [0, 1], an empty or repeated rule list, a name in use (CONFLICT). A distorted
 * evaluation is allowed (a policy for shifted data is a choice) and recorded in the audit event.
 */
import { Prisma } from '../db/generated/client';
import type { PolicyTarget } from '../db/generated/enums';
import { isUuid } from '../db/ids';
import type { Structure } from '../engine/data/types';
import { choosePolicy, type PolicyCase } from '../engine/metrics/policy-promise';
import { type QcMeasure, qcScore } from '../engine/metrics/qc-policy';
import { BOOTSTRAP_LOWER, BOOTSTRAP_UPPER, DEFAULT_BOOTSTRAP_RESAMPLES } from '../engine/statistics/bootstrap';
import { storedRules } from '../domain/policy-rules';
import { createPolicyRow, evaluatedCases } from '../store/policies';
import { badInput, conflict, notFound } from './errors';
import type { Launcher } from './launcher';

export interface PolicyRuleInput {
  structure: Structure;
  measure: QcMeasure;
}

export interface PolicyRequest {
  name: string;
  evaluationId: string;
  rules: PolicyRuleInput[];
  targetKind: PolicyTarget;
  target: number;
  /** Bootstrap resamples B (default 1000). */
  resamples?: number;
  /** Seed of the bootstrap's subject draws (default 0). */
  seed?: number;
}

export const MAX_POLICY_RESAMPLES = 100000;

function checkRequest(r: PolicyRequest): { resamples: number; seed: number } {
  if (!/^\S(.{0,98}\S)?$/.test(r.name)) throw badInput('name: 1..100 characters, not blank at either end', 'name');
  if (!(r.target >= 0 && r.target <= 1))
    throw badInput(`target ${r.target} must lie in [0, 1] (a fraction of all slices)`, 'target');
  if (r.rules.length === 0) throw badInput('a policy needs at least one rule', 'rules');
  const keys = r.rules.map((rule) => `${rule.structure}/${rule.measure}`);
  if (new Set(keys).size !== keys.length) throw badInput('a structure and measure appear in two rules', 'rules');
  const resamples = r.resamples ?? DEFAULT_BOOTSTRAP_RESAMPLES;
  if (!Number.isInteger(resamples) || resamples < 1 || resamples > MAX_POLICY_RESAMPLES)
    throw badInput(`resamples must be an integer in 1..${MAX_POLICY_RESAMPLES}`, 'resamples');
  const seed = r.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0) throw badInput('seed must be a non-negative integer', 'seed');
  return { resamples, seed };
}

const interval = (i: { estimate: number | null; interval: [number, number] | null }): [number, number, number] => {
  // N ≥ 1 and both statistics are fractions of the resample's cases: always defined.
  if (i.estimate === null || i.interval === null) throw new Error('a policy fraction was undefined');
  return [i.estimate, i.interval[0], i.interval[1]];
};

/** A unique-key violation, as Prisma reports it for a model write (P2002) or a raw one (P2010 with the driver's 23505). */
function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (error.code === 'P2002') return true;
  const cause = (error.meta?.driverAdapterError as { cause?: { originalCode?: string } } | undefined)?.cause;
  return error.code === 'P2010' && cause?.originalCode === '23505';
}

export async function createPolicy(l: Launcher, request: PolicyRequest) {
  const bootstrap = checkRequest(request);
  const evaluation = isUuid(request.evaluationId)
    ? await l.store.evaluation.findUnique({
        where: { id: request.evaluationId },
        include: {
          run: true,
          dataset: { select: { contentHash: true } },
          checkpoints: { select: { checkpoint: { select: { member: true, weightsSha256: true } } } },
        },
      })
    : null;
  if (!evaluation) throw notFound('evaluation', request.evaluationId);
  if (evaluation.run.status !== 'SUCCEEDED')
    throw badInput(`evaluation ${evaluation.id} is ${evaluation.run.status}, not finished (SUCCEEDED)`, 'evaluationId');
  if (await l.store.policy.findUnique({ where: { name: request.name }, select: { id: true } }))
    throw conflict(`a policy named "${request.name}" exists`);
  const stored = await evaluatedCases(l.store, evaluation.id);
  if (stored.length === 0) throw badInput(`evaluation ${evaluation.id} has no evaluated slices`, 'evaluationId');
  const cases: PolicyCase[] = stored.map((c) => ({
    subject: c.subjectId,
    scores: request.rules.map(({ structure, measure }) => {
      const v = c.values[structure];
      if (v.diceWithin === null)
        throw badInput(`evaluation ${evaluation.id} stored no Dice_within for ${structure}`, 'rules');
      return qcScore(measure, { ...v, diceWithin: v.diceWithin });
    }),
    poor: request.rules.map(({ structure }) => c.poor[structure]),
  }));
  const promise = choosePolicy(request.rules, cases, { kind: request.targetKind, value: request.target }, bootstrap);
  try {
    return await createPolicyRow(
      l.store,
      {
        name: request.name,
        evaluationId: evaluation.id,
        trainingRunId: evaluation.trainingRunId,
        targetKind: request.targetKind,
        target: request.target,
        rules: storedRules(promise.rules),
        cases: promise.cases,
        reviewFraction: interval(promise.reviewFraction),
        poorLeft: interval(promise.poorLeft),
        bootstrap: {
          resamples: bootstrap.resamples,
          seed: bootstrap.seed,
          level: BOOTSTRAP_UPPER - BOOTSTRAP_LOWER,
          unit: 'subject',
          subjects: promise.subjects,
        },
        codeVersion: l.codeVersion,
        createdBy: l.actor,
      },
      {
        evaluationRunId: evaluation.runId,
        datasetId: evaluation.datasetId,
        // The data and weights the thresholds were chosen on, as the audit chain records them.
        datasetHash: evaluation.dataset.contentHash,
        weightsSha256: evaluation.checkpoints
          .map((c) => c.checkpoint)
          .sort((a, b) => a.member - b.member)
          .map((c) => c.weightsSha256),
        distortion: { kind: evaluation.distortionKind, level: evaluation.distortionLevel },
        samples: evaluation.samples,
        perRule: promise.rules.map((r) => ({
          structure: r.structure,
          measure: r.measure,
          reviewFraction: r.reviewFraction,
          poorLeft: r.poorLeft,
        })),
      },
    );
  } catch (error) {
    // Two requests for one name at once: the unique index decides.
    if (isUniqueViolation(error)) throw conflict(`a policy named "${request.name}" exists`);
    throw error;
  }
}
