/**
 * Myocardial mass (docs/design.md "Definitions" → "Clinical biomarkers"): the MYO volume times the
 * density of myocardium, 1.05 g/ml (the value used by the ACDC challenge and CMR software),
 * reported at ED and at ES (equal for a perfect segmentation: the muscle is incompressible).
 */

export const MYOCARDIAL_DENSITY_G_PER_ML = 1.05;

export function myocardialMassG(myoVolumeMl: number): number {
  if (!(Number.isFinite(myoVolumeMl) && myoVolumeMl >= 0))
    throw new RangeError(`MYO volume must be finite and ≥ 0, got ${myoVolumeMl}`);
  return MYOCARDIAL_DENSITY_G_PER_ML * myoVolumeMl;
}
