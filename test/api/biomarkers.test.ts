/**
 * Clinical biomarkers from stored counts (docs/design.md "Clinical biomarkers"), through the
 * platform's writers and GraphQL: an inference written by writeInferenceShard with hand-made
 * per-sample counts, and an evaluation whose slices go through the real engine (evaluateSlice on
 * one-hot samples) and the real shard writer. Volumes, EF, mass, quantiles, coverage, agreement and
 * the subject QC curve are pinned against values computed by hand in the comments.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { graphql, parse, type GraphQLSchema } from 'graphql';
import type { Store } from '../../src/db/client';
import { createStore } from '../../src/db/client';
import { shardDigest } from '../../src/db/result-digest';
import { sliceStructureCounts } from '../../src/engine/clinical/structure-counts';
import type { StructureValues } from '../../src/engine/clinical/volume';
import type { SliceInference } from '../../src/engine/inference/slice-inference';
import type { NiftiGeometry } from '../../src/engine/io/nifti';
import { evaluateSlice } from '../../src/engine/metrics/slice-evaluation';
import { buildApiSchema } from '../../src/resolvers';
import { formatError } from '../../src/resolvers/errors';
import { queryCost } from '../../src/server/limits';
import { ROW_PASS_COST } from '../../src/server/query-cost';
import { createInference, writeInferenceShard } from '../../src/store/inferences';
import { writeShard, type ShardRow } from '../../src/store/write-shard';
import { createDatabase, testServers } from '../support/databases';
import { seedSyntheticStudy } from '../support/synthetic-store';

const ROWS = 4;
const COLS = 5;
const PX = ROWS * COLS;

let db: Awaited<ReturnType<typeof createDatabase>>;
let store: Store;
let schema: GraphQLSchema;
let model: { trainingRunId: string; checkpointId: string };

async function run(source: string, variableValues: Record<string, unknown> = {}) {
  const result = await graphql({
    schema,
    source,
    variableValues,
    contextValue: { store, actor: 'test', role: 'ANALYST' },
  });
  // Errors as the server sends them (its formatError gives the typed code).
  return { data: result.data as any, errors: result.errors?.map((e) => formatError(e.toJSON(), e)) };
}

/** `cardiac-uq biomarkers …` on this store, as a user runs it (DATABASE_URL). */
function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(
      'node',
      [path.join(__dirname, '../../bin/cardiac-uq.js'), 'biomarkers', ...args],
      { env: { ...process.env, DATABASE_URL: db.url } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

/** A label map with `n[c]` pixels of class c (0 bg, 1 RV, 2 MYO, 3 LV), the rest background. */
function labelMap(n: { LV?: number; MYO?: number; RV?: number }): Uint8Array {
  const m = new Uint8Array(PX);
  let i = 0;
  for (const [c, k] of [
    [3, n.LV ?? 0],
    [2, n.MYO ?? 0],
    [1, n.RV ?? 0],
  ] as const)
    for (let j = 0; j < k; j++) m[i++] = c;
  return m;
}

async function dataset(tag: string) {
  return store.dataset.create({
    data: {
      name: `bio-${tag}-${crypto.randomBytes(3).toString('hex')}`,
      source: 'NIFTI',
      site: 'B',
      contentHash: tag,
      createdBy: 'seed',
    },
  });
}

/** A subject with `perPhase[phase]` slices of 4 × 5 pixels at spacing (sx, sy); labels per (phase, z). */
async function subject(
  datasetId: string,
  externalId: string,
  o: {
    perPhase: Partial<Record<'ED' | 'ES', number>>;
    spacingMm: [number, number];
    sliceSpacingMm?: number;
    label?: (phase: 'ED' | 'ES', z: number) => Uint8Array | null;
    pixdimZ?: number;
  },
) {
  const row = await store.subject.create({
    data: { datasetId, externalId, split: 'TEST', group: 'NOR', sliceSpacingMm: o.sliceSpacingMm ?? null },
  });
  const slices: Array<{ id: string; phase: 'ED' | 'ES'; z: number }> = [];
  for (const phase of ['ED', 'ES'] as const) {
    const n = o.perPhase[phase] ?? 0;
    if (n && o.pixdimZ !== undefined) {
      const geometry: NiftiGeometry = {
        dim: [3, ROWS, COLS, n, 1, 1, 1, 1],
        dimInfo: 0,
        pixdim: [1, o.spacingMm[0], o.spacingMm[1], o.pixdimZ, 0, 0, 0, 0],
        xyztUnits: 2,
        qformCode: 0,
        sformCode: 0,
        quatern: [0, 0, 0],
        qoffset: [0, 0, 0],
        srow: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0],
      };
      await store.volumeGeometry.create({
        data: {
          subjectId: row.id,
          phase,
          sourceFile: `${externalId}_${phase}.nii.gz`,
          frame: null,
          geometry: { ...geometry },
        },
      });
    }
    for (let z = 0; z < n; z++) {
      const label = o.label?.(phase, z) ?? null;
      const s = await store.slice.create({
        data: {
          subjectId: row.id,
          phase,
          sliceIndex: z,
          sliceCount: n,
          position: n > 1 ? z / (n - 1) : 0.5,
          spacingXMm: o.spacingMm[0],
          spacingYMm: o.spacingMm[1],
          rows: ROWS,
          cols: COLS,
          image: Buffer.from(new Float32Array(PX).buffer),
          label: label ? Buffer.from(label) : null,
          contentHash: crypto.randomBytes(32).toString('hex'),
        },
      });
      slices.push({ id: s.id, phase, z });
    }
  }
  return { id: row.id, slices };
}

/** An inference slice result with the given counts (summary fields are not what this test reads). */
function inferenceResult(pixels: StructureValues, samplePixels: StructureValues[]): SliceInference {
  const T = samplePixels.length;
  return {
    summary: {
      T,
      entropy: 0.1,
      mi: 0.05,
      calibration: null,
      structures: {
        LV: { diceWithin: 0.9, assdWithinMm: 0.5, assdPairs: T },
        MYO: { diceWithin: 0.9, assdWithinMm: 0.5, assdPairs: T },
        RV: { diceWithin: 0.9, assdWithinMm: 0.5, assdPairs: T },
      },
      meanLabels: labelMap(pixels),
      sampleClassCounts: new Int32Array(T * 4),
      entropyMap: new Float64Array(PX),
      miMap: new Float64Array(PX),
    },
    pixels,
    samplePixels,
    flagged: null,
    decisions: null,
  };
}

const counts = (LV: number[], MYO: number[], RV: number[]): StructureValues[] =>
  LV.map((lv, t) => ({ LV: lv, MYO: MYO[t], RV: RV[t] }));

const same = (n: number, T = 4) => Array.from({ length: T }, () => n);

const SUBJECT_FIELDS = `subjectId externalId status reason samples truthStatus
  spacing { phase xMm yMm zMm zSource }
  values { biomarker value truth covered posterior { n mean sd q025 q975 } }
  flags { structure flagged reasons { kind threshold width } }`;

beforeAll(async () => {
  db = await createDatabase(testServers()[0]);
  store = createStore(db.url);
  schema = await buildApiSchema();
  const study = await seedSyntheticStudy(store, { subjects: 1, slicesPerSubject: 1, size: 4, predictions: false });
  model = { trainingRunId: study.trainingRunId, checkpointId: study.checkpointId };
}, 60000);

afterAll(async () => {
  await store?.$disconnect();
  await db?.drop();
});

describe('an inference', () => {
  let inferenceId: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const ds = await dataset('inference');
    // patient1: sx·sy·sz = 1.5 · 1.25 · 8 (the image header's pixdim[3]) = 15 mm³ = 0.015 ml a voxel.
    // Ground truth: ED imported, ES attached later (SliceLabel) — the effective label either way.
    const gt = { ED: labelMap({ LV: 5, MYO: 3, RV: 4 }), ES: labelMap({ LV: 3, MYO: 3, RV: 2 }) };
    const p1 = await subject(ds.id, 'patient1', {
      perPhase: { ED: 2, ES: 2 },
      spacingMm: [1.5, 1.25],
      pixdimZ: 8,
      label: (phase) => (phase === 'ED' ? gt.ED : null),
    });
    // patient2: ED only. patient3: no header and no generator spacing. patient4: pixdim[3] = 0.
    // patient5: 1 slice a phase, 2 · 2 mm in plane, 10 mm between slices (Subject.sliceSpacingMm), no labels.
    const p2 = await subject(ds.id, 'patient2', { perPhase: { ED: 1 }, spacingMm: [1, 1], sliceSpacingMm: 5 });
    const p3 = await subject(ds.id, 'patient3', { perPhase: { ED: 1, ES: 1 }, spacingMm: [1, 1] });
    const p4 = await subject(ds.id, 'patient4', { perPhase: { ED: 1, ES: 1 }, spacingMm: [1, 1], pixdimZ: 0 });
    const p5 = await subject(ds.id, 'patient5', { perPhase: { ED: 1, ES: 1 }, spacingMm: [2, 2], sliceSpacingMm: 10 });
    Object.assign(ids, { p1: p1.id, p2: p2.id, p3: p3.id, p4: p4.id, p5: p5.id });
    for (const s of p1.slices.filter((x) => x.phase === 'ES'))
      await store.sliceLabel.create({
        data: { sliceId: s.id, label: Buffer.from(gt.ES), source: 'ATTACHED', contentHash: 'x', createdBy: 'seed' },
      });

    const runRow = await store.run.create({
      data: {
        kind: 'INFER',
        method: 'MC_DROPOUT',
        config: {},
        seed: 1,
        status: 'SUCCEEDED',
        codeVersion: 'seed',
        createdBy: 'seed',
        datasetId: ds.id,
      },
    });
    const inference = await createInference(store, 'seed', {
      runId: runRow.id,
      trainingRunId: model.trainingRunId,
      checkpointIds: [model.checkpointId],
      datasetId: ds.id,
      policyId: null,
      samples: 4,
    });
    inferenceId = inference.id;
    // patient1, T = 4. Σ_z: ED mean LV 10, MYO 6, RV 8; samples LV 10 each; ES mean LV 4, MYO 6, RV 4,
    // samples LV 2+2, 3+2, 1+2, 3+3 = 4, 5, 3, 6; MYO 6 and RV 8 (ED) / 4 (ES) in every sample.
    const p1Counts: Record<string, [StructureValues, StructureValues[]]> = {
      'ED/0': [{ LV: 6, MYO: 3, RV: 4 }, counts(same(6), same(3), same(4))],
      'ED/1': [{ LV: 4, MYO: 3, RV: 4 }, counts(same(4), same(3), same(4))],
      'ES/0': [{ LV: 2, MYO: 3, RV: 2 }, counts([2, 3, 1, 3], same(3), same(2))],
      'ES/1': [{ LV: 2, MYO: 3, RV: 2 }, counts([2, 2, 2, 3], same(3), same(2))],
    };
    const plain = (lv: number): [StructureValues, StructureValues[]] => [
      { LV: lv, MYO: 1, RV: 0 },
      counts(same(lv), same(1), same(0)),
    ];
    const rows = [
      ...p1.slices.map((s) => ({ sliceId: s.id, result: inferenceResult(...p1Counts[`${s.phase}/${s.z}`]) })),
      ...[p2, p3, p4].flatMap((p) => p.slices.map((s) => ({ sliceId: s.id, result: inferenceResult(...plain(3)) }))),
      // patient5: LV 5 at ED, 4 at ES in S̄ and every sample; MYO 1; RV 0 (EDV 0: RV EF undefined).
      ...p5.slices.map((s) => ({ sliceId: s.id, result: inferenceResult(...plain(s.phase === 'ED' ? 5 : 4)) })),
    ];
    await writeInferenceShard(store, { runId: runRow.id, inferenceId, shard: 0, actor: 'seed', backend: 'cpu', rows });
  }, 60000);

  const query = `query($id: ID!, $t: [Float!], $w: Float) { inference(id: $id) { biomarkers(efThresholds: $t, maxEfWidth: $w) { ${SUBJECT_FIELDS} } } }`;
  const value = (s: any, b: string) => s.values.find((v: any) => v.biomarker === b);

  it('gives the mean segmentation, the posterior summary and the ground truth of a complete subject', async () => {
    const r = await run(query, { id: inferenceId });
    expect(r.errors).toBeUndefined();
    const subjects = r.data.inference.biomarkers;
    expect(subjects.map((s: any) => s.externalId)).toEqual([
      'patient1',
      'patient2',
      'patient3',
      'patient4',
      'patient5',
    ]);
    const p1 = subjects[0];
    expect(p1).toMatchObject({ status: 'OK', reason: null, samples: 4, truthStatus: 'OK' });
    expect(p1.spacing).toEqual([
      { phase: 'ED', xMm: 1.5, yMm: 1.25, zMm: 8, zSource: 'GEOMETRY' },
      { phase: 'ES', xMm: 1.5, yMm: 1.25, zMm: 8, zSource: 'GEOMETRY' },
    ]);
    const v = 0.015; // ml a voxel
    // LV: EDV 10 v = 0.15, ESV 4 v = 0.06, SV 0.09, EF 0.6. Truth (GT Σ_z: ED LV 10, ES LV 6): EF 0.4.
    expect(value(p1, 'LV_EDV_ML').value).toBeCloseTo(10 * v, 12);
    expect(value(p1, 'LV_ESV_ML').value).toBeCloseTo(4 * v, 12);
    expect(value(p1, 'LV_SV_ML').value).toBeCloseTo(6 * v, 12);
    expect(value(p1, 'LV_EF').value).toBeCloseTo(0.6, 12);
    expect(value(p1, 'LV_EF').truth).toBeCloseTo(0.4, 12);
    expect(value(p1, 'LV_ESV_ML').truth).toBeCloseTo(6 * v, 12);
    // Sample EFs (10 − ESV_t)/10 = 0.6, 0.5, 0.7, 0.4: mean 0.55, SD √(0.05/3), type-7 quantiles
    // sorted 0.4, 0.5, 0.6, 0.7 at h = 0.075 and 2.925: 0.4075 and 0.6925; the truth 0.4 lies outside.
    const ef = value(p1, 'LV_EF');
    expect(ef.posterior.n).toBe(4);
    expect(ef.posterior.mean).toBeCloseTo(0.55, 12);
    expect(ef.posterior.sd).toBeCloseTo(Math.sqrt(0.05 / 3), 12);
    expect(ef.posterior.q025).toBeCloseTo(0.4075, 12);
    expect(ef.posterior.q975).toBeCloseTo(0.6925, 12);
    expect(ef.covered).toBe(false);
    // EDV is 10 voxels in every sample: SD 0, interval [0.15, 0.15], covering the truth 0.15.
    expect(value(p1, 'LV_EDV_ML').posterior).toMatchObject({ sd: 0 });
    expect(value(p1, 'LV_EDV_ML').posterior.q025).toBeCloseTo(0.15, 12);
    expect(value(p1, 'LV_EDV_ML').covered).toBe(true);
    // RV: 8 → 4 voxels in S̄, every sample and the truth: EF 0.5, interval [0.5, 0.5], covered.
    expect(value(p1, 'RV_EF')).toMatchObject({ value: 0.5, truth: 0.5, covered: true });
    // MYO: 6 voxels at both phases: 1.05 g/ml · 0.09 ml = 0.0945 g; truth 6 voxels too.
    expect(value(p1, 'MYO_MASS_ED_G').value).toBeCloseTo(1.05 * 6 * v, 12);
    expect(value(p1, 'MYO_MASS_ES_G').truth).toBeCloseTo(1.05 * 6 * v, 12);
    // The LV interval [0.4075, 0.6925] crosses 0.5 (not 0.35) and is 0.285 wide (> 0.10); the RV's neither.
    const lvFlag = p1.flags.find((f: any) => f.structure === 'LV');
    expect(lvFlag.flagged).toBe(true);
    expect(lvFlag.reasons[0]).toEqual({ kind: 'CROSSES', threshold: 0.5, width: null });
    expect(lvFlag.reasons[1].kind).toBe('WIDE');
    expect(lvFlag.reasons[1].width).toBeCloseTo(0.285, 12);
    expect(p1.flags.find((f: any) => f.structure === 'RV')).toEqual({ structure: 'RV', flagged: false, reasons: [] });
  });

  it('says why a subject has no biomarkers, and computes the others without ground truth', async () => {
    const subjects = (await run(query, { id: inferenceId })).data.inference.biomarkers;
    const [, p2, p3, p4, p5] = subjects;
    expect(p2).toMatchObject({ status: 'PHASE_MISSING', reason: 'no ES slices', values: [], flags: [] });
    expect(p3).toMatchObject({ status: 'SLICE_SPACING_UNKNOWN', values: [] });
    expect(p3.spacing[0]).toEqual({ phase: 'ED', xMm: 1, yMm: 1, zMm: null, zSource: null });
    expect(p4).toMatchObject({ status: 'BAD_SPACING', values: [] });
    expect(p4.reason).toMatch(/voxel spacing \[1, 1, 0\]/);
    // patient5: 2 · 2 · 10 = 40 mm³; LV 5 → 4 voxels: EDV 0.2, ESV 0.16, EF 0.2 in S̄ and every sample.
    expect(p5).toMatchObject({ status: 'OK', truthStatus: 'UNLABELLED', samples: 4 });
    expect(p5.spacing[1]).toEqual({ phase: 'ES', xMm: 2, yMm: 2, zMm: 10, zSource: 'SUBJECT' });
    expect(value(p5, 'LV_EDV_ML').value).toBeCloseTo(0.2, 12);
    expect(value(p5, 'LV_EF')).toMatchObject({ truth: null, covered: null });
    expect(value(p5, 'LV_EF').value).toBeCloseTo(0.2, 12);
    // RV EDV = 0: EF undefined in S̄ and in every sample, so no interval and the subject is flagged.
    expect(value(p5, 'RV_EF')).toMatchObject({ value: null, posterior: null });
    expect(p5.flags.find((f: any) => f.structure === 'RV')).toMatchObject({
      flagged: true,
      reasons: [{ kind: 'EF_UNDEFINED' }],
    });
    // The LV interval [0.2, 0.2] crosses neither default threshold and has width 0.
    expect(p5.flags.find((f: any) => f.structure === 'LV').flagged).toBe(false);
  });

  it('`cardiac-uq biomarkers --inference` prints the same from the store, as JSON and as a table', async () => {
    const r = await cli('--inference', inferenceId, '--json');
    expect([r.code, r.stderr]).toEqual([0, '']);
    const out = JSON.parse(r.stdout);
    expect(out.inference).toBe(inferenceId);
    expect(out.agreement).toBeUndefined();
    expect(out.subjects.map((s: any) => [s.subject, s.status])).toEqual([
      ['patient1', 'OK'],
      ['patient2', 'PHASE_MISSING'],
      ['patient3', 'SLICE_SPACING_UNKNOWN'],
      ['patient4', 'BAD_SPACING'],
      ['patient5', 'OK'],
    ]);
    const [p1, p2, , , p5] = out.subjects;
    // patient1 (worked out above): LV EDV 0.15, ESV 0.06, EF 0.6, truth EF 0.4; sample EFs
    // 0.6, 0.5, 0.7, 0.4 → mean 0.55, interval [0.4075, 0.6925], missing the truth.
    expect(Object.keys(p1.LV)).toEqual(['edv_ml', 'esv_ml', 'sv_ml', 'ef']);
    expect(p1.LV.edv_ml).toBeCloseTo(0.15, 12);
    expect(p1.LV.ef).toBeCloseTo(0.6, 12);
    expect(p1.truth.LV.ef).toBeCloseTo(0.4, 12);
    expect(p1.posterior.LV.ef.mean).toBeCloseTo(0.55, 12);
    expect(p1.posterior.LV.ef.q025).toBeCloseTo(0.4075, 12);
    expect(p1.posterior.LV.ef.q975).toBeCloseTo(0.6925, 12);
    expect(p1.covered.LV).toMatchObject({ ef: false, edv_ml: true });
    expect(p1.MYO.mass_ed_g).toBeCloseTo(1.05 * 6 * 0.015, 12);
    expect(p1.flags.LV.flagged).toBe(true);
    expect(p1.spacing_mm[0]).toEqual({ phase: 'ED', x: 1.5, y: 1.25, z: 8, z_source: 'GEOMETRY' });
    expect(p2).toMatchObject({ reason: 'no ES slices', samples: null });
    expect(p2.LV).toBeUndefined();
    // patient5: no labels; RV EDV 0 → EF and its interval null.
    expect(p5).toMatchObject({ truth_status: 'UNLABELLED', truth: null, covered: null });
    expect(p5.RV.ef).toBeNull();
    expect(p5.posterior.RV.ef).toBeNull();

    const t = await cli('--inference', inferenceId);
    expect(t.code).toBe(0);
    // LV EF 60.0 % [40.75, 69.25] (to one digit; 69.25 is 69.2499… in binary), truth 40.0 below;
    // a subject without biomarkers says why.
    expect(t.stdout).toMatch(/^patient1 .* 60\.0 \[40\.8, 69\.[23]\]/m);
    expect(t.stdout).toMatch(/^ {2}truth .* 40\.0 /m);
    expect(t.stdout).toMatch(/^patient2\s+PHASE_MISSING: no ES slices$/m);
  }, 60000);

  it('takes the thresholds and width as arguments, and refuses nonsense', async () => {
    const r = await run(query, { id: inferenceId, t: [0.45], w: 0.5 });
    const lv = r.data.inference.biomarkers[0].flags.find((f: any) => f.structure === 'LV');
    expect(lv.reasons).toEqual([{ kind: 'CROSSES', threshold: 0.45, width: null }]);
    const bad = await run(query, { id: inferenceId, t: [35] });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'efThresholds' });
  });
});

/** One-hot samples [T, H, W, 4] of the given label maps. */
function oneHot(maps: Uint8Array[]): Float32Array {
  const out = new Float32Array(maps.length * PX * 4);
  maps.forEach((m, t) => m.forEach((c, j) => (out[(t * PX + j) * 4 + c] = 1)));
  return out;
}

describe('an evaluation through the shard writer', () => {
  let evaluationId: string;

  beforeAll(async () => {
    const ds = await dataset('evaluation');
    // 2 · 2 · 10 mm = 0.04 ml a voxel. One slice a phase; ground truth LV only.
    // P: truth LV 5 → 2 (EF 0.6); samples ED 5, 5 and ES 2, 3 pixels (nested, so S̄ at ES keeps the 2
    //    pixels both agree on: a 0.5/0.5 tie goes to background): EF 0.6 in S̄, samples 0.6 and 0.4.
    // Q: truth LV 4 → 2 (EF 0.5); samples ED 4, 4 and ES 3, 3: EF 0.25 everywhere (confidently wrong).
    const plan = {
      P: { gt: { ED: 5, ES: 2 }, samples: { ED: [5, 5], ES: [2, 3] } },
      Q: { gt: { ED: 4, ES: 2 }, samples: { ED: [4, 4], ES: [3, 3] } },
    };
    const runRow = await store.run.create({
      data: {
        kind: 'EVALUATE',
        method: 'MC_DROPOUT',
        config: {},
        seed: 1,
        status: 'SUCCEEDED',
        codeVersion: 'seed',
        createdBy: 'seed',
        datasetId: ds.id,
      },
    });
    const evaluation = await store.evaluation.create({
      data: { runId: runRow.id, trainingRunId: model.trainingRunId, datasetId: ds.id, samples: 2, metricVersion: 1 },
    });
    evaluationId = evaluation.id;
    const rows: ShardRow[] = [];
    for (const [name, p] of Object.entries(plan)) {
      const s = await subject(ds.id, name, {
        perPhase: { ED: 1, ES: 1 },
        spacingMm: [2, 2],
        sliceSpacingMm: 10,
        label: (phase) => labelMap({ LV: p.gt[phase] }),
      });
      for (const slice of s.slices) {
        const gt = labelMap({ LV: p.gt[slice.phase] });
        const maps = p.samples[slice.phase].map((n) => labelMap({ LV: n }));
        const result = evaluateSlice(oneHot(maps), { T: 2, rows: ROWS, cols: COLS, C: 4 }, gt, [2, 2]);
        rows.push({
          sliceId: slice.id,
          result,
          sampleLabels: [],
          counts: sliceStructureCounts(result.meanLabels, result.sampleClassCounts, 2, gt),
        });
      }
    }
    expect(
      await writeShard(store, { runId: runRow.id, evaluationId, shard: 0, actor: 'seed', backend: 'cpu', rows }),
    ).toBe(true);
  }, 60000);

  it('stores the counts and covers them by the shard digest', async () => {
    const stored = await store.structureMetric.findMany({
      where: { evaluationId, structure: 'LV' },
      include: { prediction: { include: { slice: { include: { subject: true } } } } },
    });
    const of = (name: string, phase: string) =>
      stored.find((r) => r.prediction.slice.subject.externalId === name && r.prediction.slice.phase === phase)!;
    expect(of('P', 'ES')).toMatchObject({ pixels: 2, samplePixels: [2, 3], gtPixels: 2 });
    expect(of('Q', 'ED')).toMatchObject({ pixels: 4, samplePixels: [4, 4], gtPixels: 4 });
    const event = await store.auditEvent.findFirstOrThrow({
      where: { action: 'evaluation.shard.stored', entityId: evaluationId },
    });
    expect(JSON.parse(event.details).digest).toBe(await shardDigest(store, evaluationId, 0));
  });

  it('gives biomarkers with ground truth, agreement and the subject QC curve', async () => {
    const r = await run(
      `query($id: ID!) {
        evaluation(id: $id) {
          biomarkers { externalId status truthStatus values { biomarker value truth covered posterior { q025 q975 } } }
          subjectQcCurve(structure: LV, poorEfPoints: 5) { n poor auc points { flagged remaining } reviewAt(target: 0.05) }
        }
        biomarkerAgreement(evaluationId: $id) { subjects leftOut biomarkers { biomarker n bias sdDiff lower upper pearsonR mae coverage covered coverageN } }
      }`,
      { id: evaluationId },
    );
    expect(r.errors).toBeUndefined();
    const [P, Q] = r.data.evaluation.biomarkers;
    const ef = (s: any) => s.values.find((v: any) => v.biomarker === 'LV_EF');
    expect(P).toMatchObject({ externalId: 'P', status: 'OK', truthStatus: 'OK' });
    // P: EF 0.6 (S̄) against truth 0.6; samples 0.6, 0.4 → [0.4 + 0.025·0.2, 0.4 + 0.975·0.2] = [0.405, 0.595].
    expect(ef(P).value).toBeCloseTo(0.6, 12);
    expect(ef(P).truth).toBeCloseTo(0.6, 12);
    expect(ef(P).posterior.q025).toBeCloseTo(0.405, 12);
    expect(ef(P).posterior.q975).toBeCloseTo(0.595, 12);
    expect(ef(P).covered).toBe(false);
    expect(ef(Q).value).toBeCloseTo(0.25, 12);
    expect(ef(Q).truth).toBeCloseTo(0.5, 12);

    // Subject QC: P (width 0.19, |error| 0, not poor) before Q (width 0, |error| 0.25, poor):
    // (0, 1/2), (1/2, 1/2), (1, 0); AUC 1/4 + 1/8; ≤ 5 % poor left only after both.
    const curve = r.data.evaluation.subjectQcCurve;
    expect(curve).toMatchObject({ n: 2, poor: 1, reviewAt: 1 });
    expect(curve.points).toEqual([
      { flagged: 0, remaining: 0.5 },
      { flagged: 0.5, remaining: 0.5 },
      { flagged: 1, remaining: 0 },
    ]);
    expect(curve.auc).toBeCloseTo(0.375, 12);

    // LV EF: differences 0 and −0.25 → bias −0.125, SD √(2 · 0.125²) = 0.1767767, limits bias ± 1.96 SD,
    // MAE 0.125, r = 1 (two points); coverage 0 of 2 (P misses by 0.005, Q's [0.25, 0.25] misses 0.5).
    const a = r.data.biomarkerAgreement;
    expect(a).toMatchObject({ subjects: 2, leftOut: 0 });
    const efRow = a.biomarkers.find((b: any) => b.biomarker === 'LV_EF');
    const sd = Math.sqrt(2 * 0.125 ** 2);
    expect(efRow).toMatchObject({ n: 2, covered: 0, coverageN: 2, coverage: 0 });
    expect(efRow.bias).toBeCloseTo(-0.125, 12);
    expect(efRow.sdDiff).toBeCloseTo(sd, 12);
    expect(efRow.lower).toBeCloseTo(-0.125 - 1.96 * sd, 12);
    expect(efRow.upper).toBeCloseTo(-0.125 + 1.96 * sd, 12);
    expect(efRow.mae).toBeCloseTo(0.125, 12);
    expect(efRow.pearsonR).toBeCloseTo(1, 12);
    // LV EDV: 5 and 4 voxels (0.2, 0.16 ml) in S̄, every sample and the truth: no error, full coverage.
    expect(a.biomarkers.find((b: any) => b.biomarker === 'LV_EDV_ML')).toMatchObject({ bias: 0, mae: 0, coverage: 1 });
  });

  it('`cardiac-uq biomarkers --evaluation` adds the agreement; unknown ids and mixed flags exit 2', async () => {
    const r = await cli('--evaluation', evaluationId, '--json');
    expect([r.code, r.stderr]).toEqual([0, '']);
    const out = JSON.parse(r.stdout);
    expect(out.subjects.map((s: any) => s.subject)).toEqual(['P', 'Q']);
    expect(out.subjects[1].LV.ef).toBeCloseTo(0.25, 12);
    expect(out.subjects[1].truth.LV.ef).toBeCloseTo(0.5, 12);
    // As above: bias −0.125, limits −0.125 ∓ 1.96 · 0.1767767, MAE 0.125, coverage 0 of 2.
    const ef = out.agreement.biomarkers.LV.ef;
    expect(out.agreement).toMatchObject({ subjects: 2, left_out: 0 });
    expect(ef).toMatchObject({ n: 2, undefined: 0, covered: 0, coverage_n: 2, coverage: 0 });
    expect(ef.bias).toBeCloseTo(-0.125, 12);
    expect(ef.lower).toBeCloseTo(-0.125 - 1.96 * Math.sqrt(2 * 0.125 ** 2), 12);
    expect(ef.mae).toBeCloseTo(0.125, 12);
    expect(out.agreement.biomarkers.LV.edv_ml).toMatchObject({ bias: 0, mae: 0, coverage: 1 });
    const t = await cli('--evaluation', evaluationId);
    // Limits −12.5 ∓ 1.96 · 17.678 = [−47.1, 22.1] EF points.
    expect(t.stdout).toMatch(/^LV EF %\s+2\s+-12\.5\s+\[-47\.1, 22\.1\]\s+1\.000\s+12\.5\s+0 % \(0\/2\)$/m);

    const unknown = crypto.randomUUID();
    for (const [args, message] of [
      [['--evaluation', unknown], `no evaluation ${unknown} in the store`],
      [['--inference', 'not-an-id'], 'no inference not-an-id in the store'],
      [['--evaluation', evaluationId, '--inference', evaluationId], 'name one'],
      [['--evaluation', evaluationId, '--ed', 'x.nii.gz'], '--ed and --es do not apply'],
    ] as const) {
      const bad = await cli(...args, '--json');
      expect({ code: bad.code, stdout: bad.stdout }).toEqual({ code: 2, stdout: '' });
      expect(bad.stderr).toContain(message);
    }
  }, 60000);

  it('refuses slice-level scopes, a myocardial EF and a negative tolerance; null for an unknown evaluation', async () => {
    const scoped = await run(
      `query($id: ID!) { evaluation(id: $id) { biomarkers(scope: { phase: ED }) { status } } }`,
      {
        id: evaluationId,
      },
    );
    expect(scoped.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'scope' });
    const myo = await run(`query($id: ID!) { evaluation(id: $id) { subjectQcCurve(structure: MYO) { n } } }`, {
      id: evaluationId,
    });
    expect(myo.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'structure' });
    const neg = await run(`query($id: ID!) { evaluation(id: $id) { subjectQcCurve(poorEfPoints: -1) { n } } }`, {
      id: evaluationId,
    });
    expect(neg.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'poorEfPoints' });
    const site = await run(
      `query($id: ID!) { biomarkerAgreement(evaluationId: $id, scope: { site: "A" }) { subjects leftOut } }`,
      {
        id: evaluationId,
      },
    );
    expect(site.data.biomarkerAgreement).toEqual({ subjects: 0, leftOut: 0 });
    const unknown = await run(`{ biomarkerAgreement(evaluationId: "${crypto.randomUUID()}") { subjects } }`);
    expect(unknown.data.biomarkerAgreement).toBeNull();
  });

  it('is priced as row passes', () => {
    const cost = (q: string) => queryCost(schema, parse(q), {});
    const small = cost(`{ evaluation(id: "x") { id } }`);
    expect(cost(`{ evaluation(id: "x") { id biomarkers { status } } }`) - small).toBe(ROW_PASS_COST + 1);
    expect(cost(`{ inference(id: "x") { id biomarkers { status } } }`) - cost(`{ inference(id: "x") { id } }`)).toBe(
      2 * ROW_PASS_COST + 1,
    );
  });
});
