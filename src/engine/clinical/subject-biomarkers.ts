/**
 * One subject's biomarkers from per-phase structure pixel counts (docs/design.md "Clinical
 * biomarkers"): the values of the mean segmentation S̄, their posterior summary over the T
 * samples (sample t of ED paired with sample t of ES: coherent draws), the ground truth's values
 * when its counts are known, and the EF flag of each ventricle (subject-flag.ts). Counts are Σ_z
 * n_k(z) over a complete stack; each phase has its own voxel spacing.
 */
import type { Structure } from '../data/types';
import { type Biomarker, biomarkerPosterior, biomarkerValues, cardiacBiomarkers } from './biomarkers';
import type { PosteriorSummary } from './posterior-interval';
import { type SubjectFlag, type SubjectFlagOptions, subjectFlag } from './subject-flag';
import { type SpacingMm3, type StructureValues, structureVolumesMl } from './volume';

export interface PhaseCounts {
  /** Σ_z pixels of each structure in S̄. */
  pixels: StructureValues;
  /** Σ_z pixels of each structure in S_t, t = 0..T−1. */
  samplePixels: StructureValues[];
  /** Σ_z pixels in the ground truth; null when any slice of the phase has none. */
  gtPixels: StructureValues | null;
  /** [sx, sy, sz] in mm, sz the distance between slice centres. */
  spacingMm: SpacingMm3;
}

export interface SubjectBiomarkers {
  values: Record<Biomarker, number | null>;
  posterior: Record<Biomarker, PosteriorSummary | null>;
  /** null without ground truth in both phases. */
  truth: Record<Biomarker, number | null> | null;
  /** The EF flag of the LV and of the RV. */
  flags: Record<Extract<Structure, 'LV' | 'RV'>, SubjectFlag>;
}

export function subjectBiomarkers(
  ed: PhaseCounts,
  es: PhaseCounts,
  flagOptions: SubjectFlagOptions = {},
): SubjectBiomarkers {
  const ml = (counts: StructureValues, phase: PhaseCounts) => structureVolumesMl(counts, phase.spacingMm);
  const values = biomarkerValues(cardiacBiomarkers(ml(ed.pixels, ed), ml(es.pixels, es)));
  const posterior = biomarkerPosterior(
    ed.samplePixels.map((c) => ml(c, ed)),
    es.samplePixels.map((c) => ml(c, es)),
  );
  const truth =
    ed.gtPixels && es.gtPixels ? biomarkerValues(cardiacBiomarkers(ml(ed.gtPixels, ed), ml(es.gtPixels, es))) : null;
  return {
    values,
    posterior,
    truth,
    flags: {
      LV: subjectFlag(posterior['LV.ef'], flagOptions),
      RV: subjectFlag(posterior['RV.ef'], flagOptions),
    },
  };
}
