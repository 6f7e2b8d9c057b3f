/**
 * QC policy → inference end to end over GraphQL, real Postgres and pg-boss worker, tiny preset:
 * a policy chosen on a labelled evaluation (thresholds checked against a brute force over the
 * stored metric rows and against the QC curve's reviewAt), then an inference with it on a dataset
 * whose slices have NO labels (flags checked against the rules applied to the stored values,
 * counts, triage order, provenance), a policy of another model refused with nothing written, and
 * a shard written exactly once.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createStore } from '../../src/db/client';
import type { Store } from '../../src/db/client';
import { policyRules, sliceDecisions } from '../../src/domain/policy-rules';
import type { SliceInference } from '../../src/engine/inference/slice-inference';
import { verifyAuditChain } from '../../src/db/audit';
import { createInference, writeInferenceShard } from '../../src/store/inferences';
import { bypassed } from '../security/integrity-seed';
import { createDatabase, testServers } from '../support/databases';
import { startTestPlatform } from '../support/platform';
import { waitForRun } from '../support/poll';

const server = testServers()[0];

interface Case {
  subjectId: string;
  entropy: number;
  lvPoor: boolean;
  rvPoor: boolean;
  rvDiceWithin: number;
  mi: number;
}

/** The smallest flagged set {u ≥ t} over every distinct score (and none) leaving ≤ target·N poor. */
function bruteThreshold(scores: number[], poor: boolean[], target: number): number | null {
  const n = scores.length;
  let best: { t: number | null; flagged: number } | null = null;
  for (const t of [null, ...new Set(scores)]) {
    const flagged = scores.filter((u) => t !== null && u >= t).length;
    const left = poor.filter((p, i) => p && !(t !== null && scores[i] >= t)).length;
    if (left <= target * n + 1e-9 && (best === null || flagged < best.flagged)) best = { t, flagged };
  }
  return best!.t;
}

describe('QC policy and inference through GraphQL (tiny preset)', () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let api: Awaited<ReturnType<typeof startTestPlatform>>;
  let store: Store;
  let dataDir: string;
  let trainingRunId: string;
  let evaluationId: string;
  let unlabelledId: string;
  let cases: Case[];
  let policyId: string;
  /** A two-rule review-budget policy: it flags some slices and leaves others, whatever the model. */
  let budgetPolicyId: string;
  let inferenceId: string;
  /** Half the smaller of LV's and RV's poor fractions: each rule must flag some slices, not all. */
  let target: number;

  beforeAll(async () => {
    db = await createDatabase(server);
    store = createStore(db.url);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-infer-'));
    api = await startTestPlatform(db.url, 'all', { CARDIAC_UQ_DATA_DIR: dataDir, CARDIAC_UQ_BACKEND: 'wasm' });
    const ds = await api.gql(
      'mutation { createPhantomDataset(input: { name: "infer-A", site: "A", subjects: 4, seed: 11 }) { id } }',
    );
    const datasetId = (await waitForRun(api.gql, ds.body.data.createPhantomDataset.id)).datasetId;
    const tr = await api.gql(
      `mutation { startTraining(input: { datasetId: "${datasetId}", method: MC_DROPOUT, preset: "tiny", epochs: 1, seed: 2, dropoutRate: 0.3 }) { id } }`,
    );
    trainingRunId = tr.body.data.startTraining.id;
    expect((await waitForRun(api.gql, trainingRunId, 180000)).status).toBe('SUCCEEDED');
    const ev = await api.gql(
      `mutation { startEvaluation(input: { trainingRunId: "${trainingRunId}", datasetId: "${datasetId}", samples: 2, seed: 9, shardSize: 100 }) { id } }`,
    );
    expect((await waitForRun(api.gql, ev.body.data.startEvaluation.id, 180000)).status).toBe('SUCCEEDED');
    evaluationId = (await store.evaluation.findUniqueOrThrow({ where: { runId: ev.body.data.startEvaluation.id } })).id;
    const predictions = await store.prediction.findMany({
      where: { evaluationId },
      include: { slice: { select: { subjectId: true } }, image: true, structures: true },
    });
    cases = predictions.map((p) => {
      const s = (k: string) => p.structures.find((x) => x.structure === k)!;
      return {
        subjectId: p.slice.subjectId,
        entropy: p.image!.entropy,
        mi: p.image!.mi,
        lvPoor: s('LV').poor,
        rvPoor: s('RV').poor,
        rvDiceWithin: s('RV').diceWithin!,
      };
    });
    const poorFraction = (f: (c: Case) => boolean) => cases.filter(f).length / cases.length;
    target =
      Math.floor(
        50 *
          Math.min(
            poorFraction((c) => c.lvPoor),
            poorFraction((c) => c.rvPoor),
          ),
      ) / 100;

    // Two subjects' images as a dataset without ground truth (as an unlabelled import stores them).
    const subjects = await store.subject.findMany({ where: { datasetId }, orderBy: { id: 'asc' }, take: 2 });
    const unlabelled = await store.dataset.create({
      data: { name: 'infer-B-unlabelled', source: 'NIFTI', contentHash: 'f'.repeat(64), createdBy: 'test' },
    });
    unlabelledId = unlabelled.id;
    for (const [i, s] of subjects.entries()) {
      const copy = await store.subject.create({
        data: { datasetId: unlabelledId, externalId: `new${i}`, split: 'TEST' },
      });
      const slices = await store.slice.findMany({ where: { subjectId: s.id, phase: 'ED' } });
      await store.slice.createMany({
        data: slices.map(({ id: _id, subjectId: _s, label: _l, ...rest }) => ({
          ...rest,
          subjectId: copy.id,
          label: null,
        })),
      });
    }
  }, 300000);

  afterAll(async () => {
    await api?.platform.close();
    await store?.$disconnect();
    await db?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('createPolicy stores the thresholds a brute force finds on the stored rows, with intervals and provenance', async () => {
    const res = await api.gql(`mutation { createPolicy(input: {
        name: "lv-entropy+rv-dice", evaluationId: "${evaluationId}", target: ${target}, resamples: 200, seed: 3,
        rules: [{ structure: LV, measure: ENTROPY }, { structure: RV, measure: DICE_WITHIN }] }) {
      id trainingRunId evaluationId cases targetKind target createdBy
      rules { structure measure threshold thresholdIsInfinite }
      reviewFraction { estimate low high } poorLeft { estimate low high } bootstrap } }`);
    expect(res.body.errors).toBeUndefined();
    const p = res.body.data.createPolicy;
    policyId = p.id;
    const lvT = bruteThreshold(
      cases.map((c) => c.entropy),
      cases.map((c) => c.lvPoor),
      target,
    );
    const rvT = bruteThreshold(
      cases.map((c) => 1 - c.rvDiceWithin),
      cases.map((c) => c.rvPoor),
      target,
    );
    // Neither rule is trivial: each flags some slices and leaves some.
    for (const t of [lvT, rvT]) expect(t).not.toBeNull();
    expect(p).toMatchObject({ trainingRunId, evaluationId, cases: cases.length, targetKind: 'POOR_LEFT', target });
    expect(p.createdBy).toBe('test-actor');
    expect(p.rules.map((r: { threshold: number | null }) => r.threshold)).toEqual([lvT, rvT]);
    // The combined policy: flagged when either rule flags, poor when poor in LV or RV.
    const flags = cases.map((c) => (lvT !== null && c.entropy >= lvT) || (rvT !== null && 1 - c.rvDiceWithin >= rvT));
    const n = cases.length;
    expect(p.reviewFraction.estimate).toBe(flags.filter(Boolean).length / n);
    expect(p.poorLeft.estimate).toBe(cases.filter((c, i) => (c.lvPoor || c.rvPoor) && !flags[i]).length / n);
    for (const f of [p.reviewFraction, p.poorLeft]) {
      expect(f.low).toBeLessThanOrEqual(f.high);
      expect(f.low).toBeGreaterThanOrEqual(0);
    }
    expect(p.bootstrap).toMatchObject({ resamples: 200, seed: 3, unit: 'subject', subjects: 4 });
    const audit = await store.auditEvent.findFirstOrThrow({ where: { action: 'policy.created', entityId: p.id } });
    const evaluation = await store.evaluation.findUniqueOrThrow({
      where: { id: evaluationId },
      include: { dataset: true, checkpoints: { include: { checkpoint: true } } },
    });
    expect(JSON.parse(audit.details)).toMatchObject({
      evaluationId,
      trainingRunId,
      distortion: { kind: 'NONE' },
      datasetHash: evaluation.dataset.contentHash,
      weightsSha256: evaluation.checkpoints.map((c) => c.checkpoint.weightsSha256),
    });
  });

  test("a one-rule policy flags exactly the QC curve's reviewAt fraction; a budget policy stays within its budget", async () => {
    const res = await api.gql(`mutation {
      a: createPolicy(input: { name: "lv-entropy", evaluationId: "${evaluationId}", target: ${target}, resamples: 10,
           rules: [{ structure: LV, measure: ENTROPY }] }) { rules { threshold } reviewFraction { estimate } }
      b: createPolicy(input: { name: "budget", evaluationId: "${evaluationId}", targetKind: REVIEW_BUDGET, target: 0.2,
           resamples: 10, rules: [{ structure: LV, measure: ENTROPY }, { structure: MYO, measure: MI }] }) {
           id rules { threshold } reviewFraction { estimate } } }`);
    expect(res.body.errors).toBeUndefined();
    const curve = await api.gql(
      `{ evaluation(id: "${evaluationId}") { qcCurve(structure: LV, measure: ENTROPY) { reviewAt(target: ${target}) } } }`,
    );
    const t = res.body.data.a.rules[0].threshold;
    const atOrAbove = cases.filter((c) => t !== null && c.entropy >= t).length / cases.length;
    expect(atOrAbove).toBe(curve.body.data.evaluation.qcCurve.reviewAt);
    expect(res.body.data.a.reviewFraction.estimate).toBe(atOrAbove);
    // Budget, per rule: the largest {u ≥ t} with at most 20 % of the slices.
    budgetPolicyId = res.body.data.b.id;
    // Image means: continuous, so no tie larger than the budget (a poor tiny model's Dice_within has them).
    const rules = [cases.map((c) => c.entropy), cases.map((c) => c.mi)];
    rules.forEach((scores, r) => {
      const tb = res.body.data.b.rules[r].threshold;
      expect(tb).not.toBeNull();
      expect(scores.filter((u) => u >= tb).length).toBeLessThanOrEqual(0.2 * cases.length + 1e-9);
      const next = Math.max(...scores.filter((u) => u < tb));
      expect(scores.filter((u) => u >= next).length).toBeGreaterThan(0.2 * cases.length);
    });
  });

  test('bad policy input: typed errors, nothing written', async () => {
    const before = await store.policy.count();
    const rules = 'rules: [{ structure: LV, measure: MI }]';
    const cases: Array<[string, string]> = [
      [`{ name: "x1", evaluationId: "${crypto.randomUUID()}", ${rules} }`, 'NOT_FOUND'],
      [`{ name: "x2", evaluationId: "${evaluationId}", target: 1.5, ${rules} }`, 'BAD_USER_INPUT'],
      [`{ name: "x3", evaluationId: "${evaluationId}", rules: [] }`, 'BAD_USER_INPUT'],
      [
        `{ name: "x4", evaluationId: "${evaluationId}", rules: [{ structure: LV, measure: MI }, { structure: LV, measure: MI }] }`,
        'BAD_USER_INPUT',
      ],
      [`{ name: "lv-entropy", evaluationId: "${evaluationId}", ${rules} }`, 'CONFLICT'],
    ];
    for (const [input, code] of cases) {
      const res = await api.gql(`mutation { createPolicy(input: ${input}) { id } }`);
      expect({ input, code: res.body.errors?.[0].extensions?.code }).toEqual({ input, code });
    }
    expect(await store.policy.count()).toBe(before);
    // Two requests for one new name at once: one policy, one CONFLICT.
    const twice = await Promise.all(
      [1, 2].map(() =>
        api.gql(
          `mutation { createPolicy(input: { name: "race", evaluationId: "${evaluationId}", resamples: 5, ${rules} }) { id } }`,
        ),
      ),
    );
    expect(twice.map((r) => r.body.errors?.[0].extensions?.code ?? 'OK').sort()).toEqual(['CONFLICT', 'OK']);
    expect(await store.policy.count()).toBe(before + 1);
  });

  test('an inference with the policy on unlabelled slices flags exactly what the rules say of the stored values', async () => {
    const res = await api.gql(
      `mutation { startInference(input: { trainingRunId: "${trainingRunId}", datasetId: "${unlabelledId}", samples: 2, policyId: "${budgetPolicyId}", seed: 5, shardSize: 7 }) { id kind } }`,
    );
    expect(res.body.errors).toBeUndefined();
    const run = await waitForRun(api.gql, res.body.data.startInference.id, 180000);
    expect(run).toMatchObject({ status: 'SUCCEEDED', backend: 'wasm', error: null });
    const inference = await store.inference.findUniqueOrThrow({ where: { runId: run.id } });
    inferenceId = inference.id;
    const policy = await store.policy.findUniqueOrThrow({ where: { id: budgetPolicyId } });
    const [entropyT, miT] = policyRules(policy).map((r) => r.threshold!);
    const slices = await store.inferenceSlice.findMany({
      where: { inferenceId },
      include: { structures: true, slice: { select: { subjectId: true } } },
    });
    const expected = await store.slice.count({ where: { subject: { datasetId: unlabelledId } } });
    expect(slices).toHaveLength(expected);
    const firstValue = new Map<string, number>();
    for (const s of slices) {
      expect(s.structures).toHaveLength(3);
      for (const x of s.structures) expect(x.samplePixels).toHaveLength(2);
      const entropyFlag = s.entropy >= entropyT;
      const miFlag = s.mi >= miT;
      expect(s.flagged).toBe(entropyFlag || miFlag);
      expect(sliceDecisions(s)).toEqual([
        { structure: 'LV', measure: 'ENTROPY', value: s.entropy, threshold: entropyT, flagged: entropyFlag },
        { structure: 'MYO', measure: 'MI', value: s.mi, threshold: miT, flagged: miFlag },
      ]);
      firstValue.set(s.id, s.entropy);
    }
    const flaggedSlices = slices.filter((s) => s.flagged);
    expect(flaggedSlices.length).toBeGreaterThan(0);
    expect(flaggedSlices.length).toBeLessThan(expected);
    const flaggedSubjects = new Set(flaggedSlices.map((s) => s.slice.subjectId)).size;
    const shards = Math.ceil(expected / 7);
    expect(await store.auditEvent.count({ where: { action: 'inference.shard.stored', entityId: inferenceId } })).toBe(
      shards,
    );

    const q = await api.gql(`{ inference(id: "${inferenceId}") {
      samples run { kind status }
      counts { slices flaggedSlices subjects flaggedSubjects }
      reviewFraction { realised promised { estimate low high } withinInterval }
      subjects { externalId slices flaggedSlices flagged }
      provenance { datasetId datasetHash weightsSha256 trainingRunId policyId seed actor backend }
      first: triage(first: 1) { nodes { labelPng entropyPng miPng decisions { flagged } structures { structure pixels samplePixels } } }
    } }`);
    expect(q.body.errors).toBeUndefined();
    const i = q.body.data.inference;
    expect(i.samples).toBe(2);
    expect(i.run).toEqual({ kind: 'INFER', status: 'SUCCEEDED' });
    expect(i.counts).toEqual({ slices: expected, flaggedSlices: flaggedSlices.length, subjects: 2, flaggedSubjects });
    expect(i.reviewFraction.realised).toBe(flaggedSlices.length / expected);
    expect(i.reviewFraction.promised.estimate).toBe(policy.reviewFraction);
    expect(i.subjects.filter((s: { flagged: boolean }) => s.flagged)).toHaveLength(flaggedSubjects);
    expect(i.subjects[0].flagged).toBe(flaggedSubjects > 0);
    const checkpoint = await store.checkpoint.findFirstOrThrow({ where: { runId: trainingRunId } });
    expect(i.provenance).toMatchObject({
      datasetId: unlabelledId,
      datasetHash: 'f'.repeat(64),
      weightsSha256: [checkpoint.weightsSha256],
      trainingRunId,
      policyId: budgetPolicyId,
      seed: 5,
      actor: 'test-actor',
      backend: 'wasm',
    });
    expect(i.first.nodes[0].labelPng).toMatch(/^data:image\/png;base64,/);
    expect(i.first.nodes[0].structures.map((s: { structure: string }) => s.structure)).toEqual(['LV', 'MYO', 'RV']);

    // The triage queue page by page: flagged first, then the first rule's value descending, then id.
    const seen: Array<{ id: string; flagged: boolean; triageScore: number }> = [];
    let after: string | null = null;
    for (;;) {
      const page: any = await api.gql(
        'query($id: ID!, $after: String) { inference(id: $id) { triage(first: 4, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id flagged triageScore } } } }',
        { id: inferenceId, after },
      );
      expect(page.body.errors).toBeUndefined();
      const t = page.body.data.inference.triage;
      expect(t.totalCount).toBe(expected);
      seen.push(...t.nodes);
      if (!t.pageInfo.hasNextPage) break;
      after = t.pageInfo.endCursor;
    }
    const order = [...slices]
      .sort(
        (a, b) =>
          Number(b.flagged) - Number(a.flagged) ||
          firstValue.get(b.id)! - firstValue.get(a.id)! ||
          (a.id < b.id ? -1 : 1),
      )
      .map((s) => s.id);
    expect(seen.map((s) => s.id)).toEqual(order);
    expect(seen.map((s) => s.triageScore)).toEqual(order.map((id) => firstValue.get(id)));
    const onlyFlagged = await api.gql(
      `{ inference(id: "${inferenceId}") { triage(first: 100, flaggedOnly: true) { totalCount nodes { id } } } }`,
    );
    expect(onlyFlagged.body.data.inference.triage).toEqual({
      totalCount: flaggedSlices.length,
      nodes: order.slice(0, flaggedSlices.length).map((id) => ({ id })),
    });
  });

  test('without a policy nothing is flagged (null), and the triage queue follows entropy', async () => {
    const res = await api.gql(
      `mutation { startInference(input: { trainingRunId: "${trainingRunId}", datasetId: "${unlabelledId}", samples: 1, shardSize: 100 }) { id } }`,
    );
    expect(res.body.errors).toBeUndefined();
    const run = await waitForRun(api.gql, res.body.data.startInference.id, 180000);
    expect(run.status).toBe('SUCCEEDED');
    const { id } = await store.inference.findUniqueOrThrow({ where: { runId: run.id } });
    const slices = await store.inferenceSlice.findMany({ where: { inferenceId: id }, include: { structures: true } });
    expect(slices.every((s) => s.flagged === null && s.decisions === null)).toBe(true);
    expect(slices.every((s) => s.structures.every((x) => x.samplePixels.length === 1))).toBe(true);
    const q = await api.gql(`{ inference(id: "${id}") {
      samples policy { id } reviewFraction { realised } counts { slices flaggedSlices flaggedSubjects }
      triage(first: 100) { nodes { id flagged decisions { flagged } triageScore } } } }`);
    expect(q.body.errors).toBeUndefined();
    const i = q.body.data.inference;
    expect(i).toMatchObject({ samples: 1, policy: null, reviewFraction: null });
    expect(i.counts).toEqual({ slices: slices.length, flaggedSlices: 0, flaggedSubjects: 0 });
    const byEntropy = [...slices].sort((a, b) => b.entropy - a.entropy || (a.id < b.id ? -1 : 1));
    expect(i.triage.nodes.map((n: { id: string }) => n.id)).toEqual(byEntropy.map((s) => s.id));
    expect(i.triage.nodes[0]).toMatchObject({ flagged: null, decisions: null, triageScore: byEntropy[0].entropy });
  });

  test('a policy of another model, unknown ids and T < 1 are refused before anything is written', async () => {
    // A second model: another SUCCEEDED training run with its own checkpoint.
    const source = await store.checkpoint.findFirstOrThrow({ where: { runId: trainingRunId } });
    const other = await store.run.create({
      data: {
        kind: 'TRAIN',
        method: 'MC_DROPOUT',
        config: {},
        status: 'SUCCEEDED',
        codeVersion: 'test',
        createdBy: 'test',
      },
    });
    const { id: _id, runId: _r, createdAt: _c, layerStats: _l, config, ...rest } = source;
    const otherCheckpoint = await store.checkpoint.create({
      data: { ...rest, config: config as object, runId: other.id },
    });
    const counts = async () => [
      await store.run.count(),
      await store.inference.count(),
      Number(
        (
          await store.$queryRaw<
            Array<{ n: number }>
          >`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'infer-shard'`
        )[0].n,
      ),
    ];
    const before = await counts();
    const base = `datasetId: "${unlabelledId}", samples: 2`;
    const cases: Array<[string, string, RegExp?]> = [
      [`{ trainingRunId: "${other.id}", ${base}, policyId: "${policyId}" }`, 'BAD_USER_INPUT', /POLICY_MODEL_MISMATCH/],
      [
        `{ checkpointIds: ["${otherCheckpoint.id}"], ${base}, policyId: "${policyId}" }`,
        'BAD_USER_INPUT',
        /POLICY_MODEL_MISMATCH/,
      ],
      [
        `{ trainingRunId: "${trainingRunId}", datasetId: "${unlabelledId}", samples: 3, policyId: "${policyId}" }`,
        'BAD_USER_INPUT',
        /POLICY_SAMPLES_MISMATCH: .* chosen at T = 2/,
      ],
      [`{ checkpointIds: ["${crypto.randomUUID()}"], ${base} }`, 'NOT_FOUND'],
      [`{ trainingRunId: "${trainingRunId}", datasetId: "${crypto.randomUUID()}" }`, 'NOT_FOUND'],
      [`{ trainingRunId: "${trainingRunId}", ${base}, policyId: "${crypto.randomUUID()}" }`, 'NOT_FOUND'],
      [`{ trainingRunId: "${trainingRunId}", datasetId: "${unlabelledId}", samples: 0 }`, 'BAD_USER_INPUT'],
      [`{ ${base} }`, 'BAD_USER_INPUT'],
    ];
    for (const [input, code, message] of cases) {
      const res = await api.gql(`mutation { startInference(input: ${input}) { id } }`);
      const error = res.body.errors?.[0];
      expect({ input, code: error?.extensions?.code }).toEqual({ input, code });
      if (message) expect(error?.message).toMatch(message);
    }
    expect(await counts()).toEqual(before);
  });

  test('a shard is written exactly once: a retry, or two attempts at once, write nothing more', async () => {
    const slices = await store.inferenceSlice.findMany({
      where: { inferenceId, shard: 0 },
      include: { structures: true },
    });
    const inference = await store.inference.findUniqueOrThrow({ where: { id: inferenceId } });
    const fake = (sliceId: string): { sliceId: string; result: SliceInference } => {
      const structure = { diceWithin: 1, assdWithinMm: 0, diceSamples: [], assdSamples: [] } as never;
      return {
        sliceId,
        result: {
          summary: {
            T: 2,
            entropy: 0,
            mi: 0,
            calibration: null,
            structures: { LV: structure, MYO: structure, RV: structure },
            meanLabels: new Uint8Array(4),
            sampleClassCounts: new Int32Array(8),
            entropyMap: new Float64Array(4),
            miMap: new Float64Array(4),
          },
          pixels: { LV: 0, MYO: 0, RV: 0 },
          samplePixels: [
            { LV: 0, MYO: 0, RV: 0 },
            { LV: 0, MYO: 0, RV: 0 },
          ],
          flagged: null,
          decisions: null,
        },
      };
    };
    const shard = (id: string, n: number, rows: ReturnType<typeof fake>[]) => ({
      runId: inference.runId,
      inferenceId: id,
      shard: n,
      actor: 'test',
      backend: 'wasm',
      rows,
    });
    const audits = () => store.auditEvent.count({ where: { action: 'inference.shard.stored' } });
    const auditsBefore = await audits();
    // A retry of a stored shard.
    expect(
      await writeInferenceShard(
        store,
        shard(
          inferenceId,
          0,
          slices.map((s) => fake(s.sliceId)),
        ),
      ),
    ).toBe(false);
    expect(await store.inferenceSlice.count({ where: { inferenceId, shard: 0 } })).toBe(slices.length);
    // Two attempts at once on a fresh inference of the same run's model.
    const freshRun = await store.run.create({
      data: { kind: 'INFER', config: {}, codeVersion: 'test', createdBy: 'test' },
    });
    const fresh = await createInference(store, 'test', {
      runId: freshRun.id,
      trainingRunId,
      checkpointIds: [(await store.checkpoint.findFirstOrThrow({ where: { runId: trainingRunId } })).id],
      datasetId: unlabelledId,
      policyId: null,
      samples: 2,
    });
    const rows = slices.slice(0, 3).map((s) => fake(s.sliceId));
    const outcomes = await Promise.all([
      writeInferenceShard(store, shard(fresh.id, 0, rows)),
      writeInferenceShard(store, shard(fresh.id, 0, rows)),
    ]);
    expect(outcomes.sort()).toEqual([false, true]);
    expect(await store.inferenceSlice.count({ where: { inferenceId: fresh.id } })).toBe(3);
    expect(await store.inferenceStructure.count({ where: { inferenceId: fresh.id } })).toBe(9);
    expect(await audits()).toBe(auditsBefore + 1);
  });

  test('audit verify recomputes every inference shard digest and names a slice changed behind the triggers', async () => {
    const shards = await store.auditEvent.count({ where: { action: 'inference.shard.stored' } });
    const before = await verifyAuditChain(store);
    expect(before.results!.firstMismatch).toBeNull();
    expect(before.results!.checked.inferenceShards).toBe(shards);
    const slice = await store.inferenceSlice.findFirstOrThrow({ where: { inferenceId, shard: 1 } });
    await bypassed(db.url, 'UPDATE "InferenceSlice" SET flagged = NOT flagged WHERE id = $1', [slice.id]);
    const after = await verifyAuditChain(store);
    expect(after.ok).toBe(false);
    expect(after.firstBroken).toMatchObject({
      reason: 'RESULT_MISMATCH',
      digest: { target: { kind: 'inferenceShard', inferenceId, shard: 1 } },
    });
  });
});
