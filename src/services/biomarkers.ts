/**
 * Clinical biomarkers of an inference's or an evaluation's subjects, computed when asked from the
 * stored per-slice pixel counts (docs/design.md "Biomarkers from the store"): per subject with complete
 * ED and ES stacks the values of the mean segmentation, the posterior summary over the T samples,
 * the ground truth's values where every slice of both phases has a label, and the EF flags; over
 * an evaluation's subjects the agreement with the ground truth (Bland–Altman, r, MAE, interval
 * coverage) and the subject-level QC curve. Every number comes from the engine's clinical
 * functions; this module only gathers counts and spacings and says why a subject has none.
 */
import type { Store } from '../db/client';
import { agreement } from '../engine/clinical/agreement';
import { BIOMARKERS, type Biomarker } from '../engine/clinical/biomarkers';
import { intervalCoverage } from '../engine/clinical/interval-coverage';
import { isPoorSubject } from '../engine/clinical/poor-subject';
import { type PhaseCounts, type SubjectBiomarkers, subjectBiomarkers } from '../engine/clinical/subject-biomarkers';
import type { SubjectFlagOptions } from '../engine/clinical/subject-flag';
import type { StructureValues } from '../engine/clinical/volume';
import { type Phase, STRUCTURES } from '../engine/data/types';
import { InvalidInputError } from '../engine/errors';
import { type NiftiGeometry, geometrySpacingMm } from '../engine/io/nifti';
import { qcCurve, reviewFractionAt } from '../engine/metrics/qc-curve';
import {
  type PhaseTruth,
  type StructureSums,
  evaluationStructureSums,
  inferenceStructureSums,
  inferenceTruthCounts,
} from '../store/biomarker-counts';
import type { SliceScope } from '../store/scope-sql';
import { badInput } from './errors';

/** Why a subject has no biomarkers (OK: it has them). */
export type BiomarkerStatus =
  | 'OK'
  | 'PHASE_MISSING'
  | 'INCOMPLETE_STACK'
  | 'COUNTS_NOT_STORED'
  | 'MIXED_SPACING'
  | 'SLICE_SPACING_UNKNOWN'
  | 'BAD_SPACING';

/** Whether the ground truth's values could be computed: every slice of both phases labelled. */
export type TruthStatus = 'OK' | 'UNLABELLED' | 'PARTIAL';

export interface PhaseSpacing {
  phase: Phase;
  xMm: number;
  yMm: number;
  /** Distance between slice centres; null when the store does not know it. */
  zMm: number | null;
  /** GEOMETRY: the image file's pixdim[3]; SUBJECT: Subject.sliceSpacingMm (the generator's). */
  zSource: 'GEOMETRY' | 'SUBJECT' | null;
}

export interface SubjectBiomarkerResult extends Partial<SubjectBiomarkers> {
  subjectId: string;
  externalId: string;
  group: string | null;
  split: string;
  status: BiomarkerStatus;
  reason: string | null;
  samples: number | null;
  spacing: PhaseSpacing[];
  truthStatus: TruthStatus;
}

export interface BiomarkerOptions {
  efThresholds?: number[] | null;
  maxEfWidth?: number | null;
}

const PHASES: readonly Phase[] = ['ED', 'ES'];

function flagOptions(options: BiomarkerOptions): SubjectFlagOptions {
  const thresholds = options.efThresholds ?? undefined;
  if (thresholds && thresholds.some((t) => !(t >= 0 && t <= 1)))
    throw badInput('EF thresholds are fractions in [0, 1]', 'efThresholds');
  const maxWidth = options.maxEfWidth ?? undefined;
  if (maxWidth !== undefined && !(maxWidth >= 0 && maxWidth <= 1))
    throw badInput('the EF interval width is a fraction in [0, 1]', 'maxEfWidth');
  return { thresholds, maxWidth };
}

/** Biomarkers need whole stacks of both phases: only subject-level filters apply. */
function subjectScope(scope: SliceScope | undefined): SliceScope | undefined {
  const isSet = (v: unknown) => v !== undefined && v !== null;
  if (scope && (isSet(scope.phase) || isSet(scope.positionMin) || isSet(scope.positionMax)))
    throw badInput('biomarkers need whole ED and ES stacks: scope them by split, site or group only', 'scope');
  return scope;
}

const structureValues = (rows: StructureSums[], f: (r: StructureSums) => number): StructureValues =>
  Object.fromEntries(STRUCTURES.map((s) => [s, f(rows.find((r) => r.structure === s)!)])) as StructureValues;

interface SubjectMeta {
  id: string;
  externalId: string;
  group: string | null;
  split: string;
  sliceSpacingMm: number | null;
  volumes: Array<{ phase: Phase; geometry: unknown }>;
}

async function subjectsMeta(store: Store, ids: string[]): Promise<Map<string, SubjectMeta>> {
  const rows = await store.subject.findMany({
    where: { id: { in: ids } },
    select: {
      id: true,
      externalId: true,
      group: true,
      split: true,
      sliceSpacingMm: true,
      volumes: { select: { phase: true, geometry: true } },
    },
  });
  return new Map(rows.map((r) => [r.id, r]));
}

type Outcome<T> = { ok: T } | { status: Exclude<BiomarkerStatus, 'OK'>; reason: string; spacing?: PhaseSpacing };

/** One phase's counts and spacing, or why they cannot be trusted. */
function phaseCounts(
  phase: Phase,
  rows: StructureSums[] | undefined,
  meta: SubjectMeta,
  truth: StructureValues | null,
): Outcome<{ counts: PhaseCounts; spacing: PhaseSpacing }> {
  if (!rows || rows.length !== STRUCTURES.length) return { status: 'PHASE_MISSING', reason: `no ${phase} slices` };
  const r = rows[0];
  if (r.sliceCountMin !== r.sliceCountMax || r.slices !== r.sliceCountMax)
    return { status: 'INCOMPLETE_STACK', reason: `${phase}: ${r.slices} of ${r.sliceCountMax} slices` };
  if (rows.some((x) => x.counted !== x.slices || x.tMin !== x.tMax || x.tMin < 1 || x.samplePixels === null))
    return { status: 'COUNTS_NOT_STORED', reason: `${phase}: per-sample pixel counts are not stored for every slice` };
  if (r.spacingXMin !== r.spacingXMax || r.spacingYMin !== r.spacingYMax)
    return { status: 'MIXED_SPACING', reason: `${phase}: slices of the stack differ in pixel spacing` };
  const volume = meta.volumes.find((v) => v.phase === phase);
  const zMm = volume ? geometrySpacingMm(volume.geometry as NiftiGeometry)[2] : meta.sliceSpacingMm;
  const spacing: PhaseSpacing = {
    phase,
    xMm: r.spacingXMin,
    yMm: r.spacingYMin,
    zMm,
    zSource: volume ? 'GEOMETRY' : zMm === null ? null : 'SUBJECT',
  };
  if (zMm === null)
    return {
      status: 'SLICE_SPACING_UNKNOWN',
      reason: `${phase}: the distance between slice centres is not stored (no image header, no generator spacing)`,
      spacing,
    };
  const T = r.tMin;
  return {
    ok: {
      spacing,
      counts: {
        pixels: structureValues(rows, (x) => x.pixels!),
        samplePixels: Array.from({ length: T }, (_, t) => structureValues(rows, (x) => x.samplePixels![t])),
        gtPixels: truth,
        spacingMm: [spacing.xMm, spacing.yMm, zMm],
      },
    },
  };
}

/**
 * Per subject (by external id) from the sums; `truthOf` gives a phase's ground-truth counts, or
 * null with why.
 */
async function assemble(
  store: Store,
  sums: StructureSums[],
  truthOf: (
    subjectId: string,
    phase: Phase,
    rows: StructureSums[] | undefined,
  ) => StructureValues | 'UNLABELLED' | 'PARTIAL',
  options: BiomarkerOptions,
): Promise<SubjectBiomarkerResult[]> {
  const flags = flagOptions(options);
  const bySubject = new Map<string, Map<Phase, StructureSums[]>>();
  for (const r of sums) {
    const phases = bySubject.get(r.subjectId) ?? new Map<Phase, StructureSums[]>();
    phases.set(r.phase, [...(phases.get(r.phase) ?? []), r]);
    bySubject.set(r.subjectId, phases);
  }
  const meta = await subjectsMeta(store, [...bySubject.keys()]);
  const out: SubjectBiomarkerResult[] = [];
  for (const [subjectId, phases] of bySubject) {
    const m = meta.get(subjectId)!;
    const truths = PHASES.map((p) => truthOf(subjectId, p, phases.get(p)));
    const truthStatus: TruthStatus = truths.every((t) => typeof t === 'object')
      ? 'OK'
      : truths.every((t) => t === 'UNLABELLED')
        ? 'UNLABELLED'
        : 'PARTIAL';
    const base = { subjectId, externalId: m.externalId, group: m.group, split: m.split, truthStatus };
    const outcomes = PHASES.map((p, i) => {
      const t = truths[i];
      return phaseCounts(p, phases.get(p), m, truthStatus === 'OK' && typeof t === 'object' ? t : null);
    });
    const spacing = outcomes.flatMap((o) => ('ok' in o ? [o.ok.spacing] : o.spacing ? [o.spacing] : []));
    const failed = outcomes.find((o) => !('ok' in o));
    if (failed && !('ok' in failed)) {
      out.push({ ...base, status: failed.status, reason: failed.reason, samples: null, spacing });
      continue;
    }
    const [ed, es] = outcomes.map((o) => ('ok' in o ? o.ok.counts : null!));
    if (ed.samplePixels.length !== es.samplePixels.length) {
      out.push({
        ...base,
        status: 'COUNTS_NOT_STORED',
        reason: `ED has ${ed.samplePixels.length} samples and ES ${es.samplePixels.length}`,
        samples: null,
        spacing,
      });
      continue;
    }
    try {
      out.push({
        ...base,
        status: 'OK',
        reason: null,
        samples: ed.samplePixels.length,
        spacing,
        ...subjectBiomarkers(ed, es, flags),
      });
    } catch (error) {
      // The engine refuses a zero or non-finite voxel size (volume.ts voxelVolumeMl).
      if (!(error instanceof InvalidInputError)) throw error;
      out.push({ ...base, status: 'BAD_SPACING', reason: error.message, samples: null, spacing });
    }
  }
  return out.sort((a, b) => a.externalId.localeCompare(b.externalId) || a.subjectId.localeCompare(b.subjectId));
}

/** Per subject of an inference; ground truth from the slices' effective labels. */
export async function inferenceBiomarkers(
  store: Store,
  inferenceId: string,
  options: BiomarkerOptions = {},
): Promise<SubjectBiomarkerResult[]> {
  const sums = await inferenceStructureSums(store, inferenceId);
  const truth = new Map<string, PhaseTruth>();
  for (const t of await inferenceTruthCounts(store, inferenceId, [...new Set(sums.map((r) => r.subjectId))]))
    truth.set(`${t.subjectId}/${t.phase}`, t);
  return assemble(
    store,
    sums,
    (subjectId, phase) => {
      const t = truth.get(`${subjectId}/${phase}`);
      if (!t || t.labelled === 0) return 'UNLABELLED';
      return t.labelled === t.slices ? t.pixels : 'PARTIAL';
    },
    options,
  );
}

/** Per subject of an evaluation in scope; ground truth as the evaluation compared with it. */
export async function evaluationBiomarkers(
  store: Store,
  evaluationId: string,
  scope?: SliceScope,
  options: BiomarkerOptions = {},
): Promise<SubjectBiomarkerResult[]> {
  const sums = await evaluationStructureSums(store, evaluationId, subjectScope(scope));
  return assemble(
    store,
    sums,
    (_subject, _phase, rows) => {
      if (!rows || rows.some((r) => r.gtCounted === 0)) return 'UNLABELLED';
      if (rows.some((r) => r.gtCounted !== r.slices)) return 'PARTIAL';
      return structureValues(rows, (r) => r.gtPixels!);
    },
    options,
  );
}

export interface BiomarkerAgreementRow {
  biomarker: Biomarker;
  n: number;
  undefinedCount: number;
  bias: number | null;
  sdDiff: number | null;
  lower: number | null;
  upper: number | null;
  pearsonR: number | null;
  mae: number | null;
  coverage: number | null;
  covered: number;
  coverageN: number;
}

/**
 * Agreement of the mean segmentation's biomarkers with the ground truth over the subjects in scope;
 * null for an unknown evaluation.
 */
export async function biomarkerAgreement(store: Store, evaluationId: string, scope?: SliceScope) {
  if ((await store.evaluation.count({ where: { id: evaluationId } })) === 0) return null;
  const all = await evaluationBiomarkers(store, evaluationId, scope);
  const subjects = all.filter((s) => s.status === 'OK' && s.truth);
  const rows: BiomarkerAgreementRow[] = BIOMARKERS.map((k) => {
    const predicted = subjects.map((s) => s.values![k]);
    const truth = subjects.map((s) => s.truth![k]);
    const c = intervalCoverage(
      subjects.map((s) => s.posterior![k]),
      truth,
    );
    return { biomarker: k, ...agreement(predicted, truth), coverage: c.coverage, covered: c.covered, coverageN: c.n };
  });
  return { subjects: subjects.length, leftOut: all.length - subjects.length, biomarkers: rows };
}

/**
 * The subject-level QC curve of a ventricle: subjects ranked by their EF interval width (no
 * interval — EF undefined in some sample — first), poor when |EF error| > poorEfPoints / 100.
 * Subjects without ground truth cannot be judged and are left out; null when none is left.
 */
export async function subjectQcCurve(
  store: Store,
  evaluationId: string,
  options: { structure: 'LV' | 'RV' | 'MYO'; poorEfPoints: number; scope?: SliceScope },
) {
  if (options.structure === 'MYO') throw badInput('EF exists for LV and RV only', 'structure');
  if (!(options.poorEfPoints >= 0 && options.poorEfPoints <= 100))
    throw badInput('poorEfPoints is in EF points, 0–100', 'poorEfPoints');
  const key = `${options.structure}.ef` as const;
  const scores: number[] = [];
  const poor: boolean[] = [];
  for (const s of await evaluationBiomarkers(store, evaluationId, options.scope)) {
    if (s.status !== 'OK' || !s.truth) continue;
    const isPoor = isPoorSubject(s.values![key], s.truth[key], options.poorEfPoints / 100);
    if (isPoor === null) continue;
    const interval = s.posterior![key];
    // qcCurve needs finite scores: the largest double stands for +∞ (reviewed first, all tied).
    scores.push(interval ? interval.q975 - interval.q025 : Number.MAX_VALUE);
    poor.push(isPoor);
  }
  if (scores.length === 0) return null;
  const curve = qcCurve(scores, poor);
  return {
    points: curve.points.map(([flagged, remaining]) => ({ flagged, remaining })),
    auc: curve.auc,
    n: curve.n,
    poor: curve.poor,
    reviewAtFn: (target: number) => reviewFractionAt(curve.points, target),
  };
}
