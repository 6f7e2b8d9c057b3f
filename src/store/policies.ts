/**
 * Policy rows (docs/design.md "QC policy"): the labelled cases a policy is chosen on, read from an
 * evaluation's stored metric rows, and a new Policy with its audit event in one transaction.
 */
import crypto from 'node:crypto';
import type { Prisma } from '../db/generated/client';
import type { PolicyTarget } from '../db/generated/enums';
import type { Store } from '../db/client';
import { appendAudit } from '../db/audit';
import type { Structure } from '../engine/data/types';
import type { QcValues } from '../engine/metrics/qc-policy';
import { LAUNCH_TX } from './runs';

/** One evaluated slice: its subject, image means and per-structure values and poor flags. */
export interface EvaluatedCase {
  subjectId: string;
  /** null where the evaluation stored no Dice_within (never for current metric versions). */
  values: Record<Structure, Omit<QcValues, 'diceWithin'> & { diceWithin: number | null }>;
  poor: Record<Structure, boolean>;
}

/** Every slice of an evaluation with its metric rows, in the evaluation's slice order. */
export async function evaluatedCases(store: Store, evaluationId: string): Promise<EvaluatedCase[]> {
  const predictions = await store.prediction.findMany({
    where: { evaluationId },
    select: {
      slice: { select: { subjectId: true } },
      image: { select: { entropy: true, mi: true } },
      structures: { select: { structure: true, diceWithin: true, assdWithinMm: true, poor: true } },
    },
    orderBy: [{ slice: { subjectId: 'asc' } }, { slice: { phase: 'asc' } }, { slice: { sliceIndex: 'asc' } }],
  });
  return predictions.flatMap((p) => {
    // A prediction is written with its metric rows in one transaction (write-shard.ts).
    if (!p.image || p.structures.length === 0) return [];
    const values = {} as EvaluatedCase['values'];
    const poor = {} as EvaluatedCase['poor'];
    for (const s of p.structures) {
      values[s.structure] = {
        entropy: p.image.entropy,
        mi: p.image.mi,
        diceWithin: s.diceWithin,
        assdWithinMm: s.assdWithinMm,
      };
      poor[s.structure] = s.poor;
    }
    return [{ subjectId: p.slice.subjectId, values, poor }];
  });
}

export interface NewPolicy {
  name: string;
  evaluationId: string;
  trainingRunId: string;
  targetKind: PolicyTarget;
  target: number;
  rules: Prisma.InputJsonArray;
  cases: number;
  reviewFraction: [number, number, number];
  poorLeft: [number, number, number];
  bootstrap: Prisma.InputJsonObject;
  codeVersion: string;
  createdBy: string;
}

/** Creates the policy and its `policy.created` audit event (with `details` beside the row's fields). */
export async function createPolicyRow(store: Store, p: NewPolicy, details: Prisma.InputJsonObject) {
  return store.$transaction(async (tx) => {
    // Not policy.create: its float parameters lose the last digit through the driver adapter;
    // as text (String(x)) Postgres reads back the same double.
    const id = crypto.randomUUID();
    const f = (x: number) => String(x);
    await tx.$executeRaw`
      INSERT INTO "Policy" (id, name, "evaluationId", "trainingRunId", "targetKind", target, rules, cases,
        "reviewFraction", "reviewFractionLow", "reviewFractionHigh", "poorLeft", "poorLeftLow", "poorLeftHigh",
        bootstrap, "codeVersion", "createdBy")
      VALUES (${id}::uuid, ${p.name}, ${p.evaluationId}::uuid, ${p.trainingRunId}::uuid, ${p.targetKind}::"PolicyTarget",
        ${f(p.target)}::float8, ${JSON.stringify(p.rules)}::jsonb, ${p.cases}::int,
        ${f(p.reviewFraction[0])}::float8, ${f(p.reviewFraction[1])}::float8, ${f(p.reviewFraction[2])}::float8,
        ${f(p.poorLeft[0])}::float8, ${f(p.poorLeft[1])}::float8, ${f(p.poorLeft[2])}::float8,
        ${JSON.stringify(p.bootstrap)}::jsonb, ${p.codeVersion}, ${p.createdBy})`;
    const created = await tx.policy.findUniqueOrThrow({ where: { id } });
    await appendAudit(tx, {
      actor: p.createdBy,
      action: 'policy.created',
      entity: 'Policy',
      entityId: created.id,
      details: {
        name: p.name,
        evaluationId: p.evaluationId,
        trainingRunId: p.trainingRunId,
        targetKind: p.targetKind,
        target: p.target,
        rules: p.rules,
        reviewFraction: p.reviewFraction,
        poorLeft: p.poorLeft,
        bootstrap: p.bootstrap,
        codeVersion: p.codeVersion,
        ...details,
      },
    });
    return created;
  }, LAUNCH_TX);
}
