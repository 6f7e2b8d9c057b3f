/**
 * Whether an inference kept its policy's promise (docs/design.md "Review" → "Checking the promise"),
 * once ground truth exists for its slices (imported, attached later, or from reviews): the mean
 * segmentation of every labelled slice is judged poor or not per structure against that ground
 * truth, and the realised review fraction and poor fraction left are counted over the labelled
 * slices (engine/metrics/promise-check.ts), beside the policy's promise and its intervals.
 */
import type { Store } from '../db/client';
import { isUuid } from '../db/ids';
import { policyRules } from '../domain/policy-rules';
import type { Structure } from '../engine/data/types';
import { poorByStructure, type PromiseCase, realisedPromise } from '../engine/metrics/promise-check';
import { SegmentationMetricsWorkspace } from '../engine/metrics/segmentation-metrics';
import { unpackLabels } from '../store/map-codec';
import { effectiveLabel, WITH_ATTACHED_LABEL } from '../store/slice-labels';
import { notFound } from './errors';

/** Slices read per query: bounds the memory of a large inference. */
const PAGE = 500;

export async function checkPromise(store: Store, inferenceId: string) {
  const inference = isUuid(inferenceId)
    ? await store.inference.findUnique({
        where: { id: inferenceId },
        select: { id: true, policy: true, _count: { select: { slices: true } } },
      })
    : null;
  if (!inference) throw notFound('inference', inferenceId);
  const policy = inference.policy;
  if (!policy) return null;
  const ruleStructures = [...new Set(policyRules(policy).map((r) => r.structure))] as Structure[];

  const cases: PromiseCase[] = [];
  const workspaces = new Map<string, SegmentationMetricsWorkspace>();
  for (let cursor: string | undefined; ;) {
    const page = await store.inferenceSlice.findMany({
      where: { inferenceId },
      select: {
        id: true,
        labelMap: true,
        flagged: true,
        slice: {
          select: { rows: true, cols: true, spacingXMm: true, spacingYMm: true, label: true, ...WITH_ATTACHED_LABEL },
        },
      },
      orderBy: { id: 'asc' },
      take: PAGE,
      ...(cursor ? { skip: 1, cursor: { id: cursor } } : {}),
    });
    for (const row of page) {
      const truth = effectiveLabel(row.slice);
      if (!truth) continue;
      const { rows, cols } = row.slice;
      const key = `${rows}x${cols}`;
      const ws = workspaces.get(key) ?? new SegmentationMetricsWorkspace(rows, cols);
      workspaces.set(key, ws);
      cases.push({
        flagged: row.flagged === true,
        poor: poorByStructure(
          unpackLabels(row.labelMap),
          new Uint8Array(truth),
          rows,
          cols,
          [row.slice.spacingXMm, row.slice.spacingYMm],
          ws,
        ),
      });
    }
    if (page.length < PAGE) break;
    cursor = page[page.length - 1].id;
  }
  const realised = realisedPromise(cases, ruleStructures);
  const within = (x: number | null, low: number, high: number) => (x === null ? null : x >= low && x <= high);
  return {
    inferenceId,
    policyId: policy.id,
    slices: inference._count.slices,
    ruleStructures,
    ...realised,
    reviewFractionWithinInterval: within(realised.reviewFraction, policy.reviewFractionLow, policy.reviewFractionHigh),
    poorLeftWithinInterval: within(realised.poorLeft, policy.poorLeftLow, policy.poorLeftHigh),
    promised: {
      reviewFraction: policy.reviewFraction,
      reviewFractionLow: policy.reviewFractionLow,
      reviewFractionHigh: policy.reviewFractionHigh,
      poorLeft: policy.poorLeft,
      poorLeftLow: policy.poorLeftLow,
      poorLeftHigh: policy.poorLeftHigh,
      target: policy.target,
      targetKind: policy.targetKind,
    },
  };
}
