/**
 * A subject's clinical biomarkers from its ED and ES segmentations (docs/design.md "Definitions" →
 * "Clinical biomarkers"): LV and RV EDV, ESV, SV, EF (ejection-fraction.ts) and MYO mass at ED and
 * ES (myocardial-mass.ts), from structure volumes (volume.ts). For T posterior samples, sample t's
 * biomarkers combine sample t of the ED volume with sample t of the ES volume; this pairing is a
 * posterior draw only because the sampler uses the same weights for sample t everywhere.
 */
import { myocardialMassG } from './myocardial-mass';
import { type PosteriorSummary, posteriorSummary } from './posterior-interval';
import { type VentricularFunction, ventricularFunction } from './ejection-fraction';
import type { StructureValues } from './volume';

export interface CardiacBiomarkers {
  LV: VentricularFunction;
  RV: VentricularFunction;
  MYO: { massEdG: number; massEsG: number };
}

/** Every scalar biomarker, in report order: the keys of the per-sample summaries. */
export const BIOMARKERS = [
  'LV.edv_ml',
  'LV.esv_ml',
  'LV.sv_ml',
  'LV.ef',
  'RV.edv_ml',
  'RV.esv_ml',
  'RV.sv_ml',
  'RV.ef',
  'MYO.mass_ed_g',
  'MYO.mass_es_g',
] as const;
export type Biomarker = (typeof BIOMARKERS)[number];

export function cardiacBiomarkers(edVolumesMl: StructureValues, esVolumesMl: StructureValues): CardiacBiomarkers {
  return {
    LV: ventricularFunction(edVolumesMl.LV, esVolumesMl.LV),
    RV: ventricularFunction(edVolumesMl.RV, esVolumesMl.RV),
    MYO: { massEdG: myocardialMassG(edVolumesMl.MYO), massEsG: myocardialMassG(esVolumesMl.MYO) },
  };
}

/** The biomarkers as a flat record keyed by BIOMARKERS (EF null when undefined). */
export function biomarkerValues(b: CardiacBiomarkers): Record<Biomarker, number | null> {
  const v = (f: VentricularFunction) => [f.edvMl, f.esvMl, f.svMl, f.ef] as const;
  const [lvEdv, lvEsv, lvSv, lvEf] = v(b.LV);
  const [rvEdv, rvEsv, rvSv, rvEf] = v(b.RV);
  return {
    'LV.edv_ml': lvEdv,
    'LV.esv_ml': lvEsv,
    'LV.sv_ml': lvSv,
    'LV.ef': lvEf,
    'RV.edv_ml': rvEdv,
    'RV.esv_ml': rvEsv,
    'RV.sv_ml': rvSv,
    'RV.ef': rvEf,
    'MYO.mass_ed_g': b.MYO.massEdG,
    'MYO.mass_es_g': b.MYO.massEsG,
  };
}

/**
 * Posterior summary of every biomarker from per-sample structure volumes of both phases (element t
 * of each array is sample t, summed over that phase's slices); both phases need the same T.
 */
export function biomarkerPosterior(
  edSamplesMl: ReadonlyArray<StructureValues>,
  esSamplesMl: ReadonlyArray<StructureValues>,
): Record<Biomarker, PosteriorSummary | null> {
  if (edSamplesMl.length !== esSamplesMl.length || edSamplesMl.length === 0) {
    throw new RangeError(
      `ED and ES need the same number (≥ 1) of posterior samples, got ${edSamplesMl.length} and ${esSamplesMl.length}`,
    );
  }
  const perSample = edSamplesMl.map((ed, t) => biomarkerValues(cardiacBiomarkers(ed, esSamplesMl[t])));
  return Object.fromEntries(BIOMARKERS.map((k) => [k, posteriorSummary(perSample.map((s) => s[k]))])) as Record<
    Biomarker,
    PosteriorSummary | null
  >;
}
