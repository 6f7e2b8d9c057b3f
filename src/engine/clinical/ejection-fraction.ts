/**
 * Ventricular function from the end-diastolic and end-systolic volumes (docs/design.md
 * "Definitions" → "Clinical biomarkers"), for the LV and the RV alike:
 *
 *   SV = EDV − ESV [ml],  EF = SV / EDV (a fraction, not a percentage)
 *
 * EF is null when EDV = 0 (no ventricle segmented at ED), with status EDV_ZERO. Nothing is
 * clamped: ESV > EDV (a failed segmentation) gives a negative SV and EF, so the error shows.
 */

export type EjectionFractionStatus = 'OK' | 'EDV_ZERO';

export interface VentricularFunction {
  edvMl: number;
  esvMl: number;
  svMl: number;
  ef: number | null;
  efStatus: EjectionFractionStatus;
}

export function ventricularFunction(edvMl: number, esvMl: number): VentricularFunction {
  if (!(Number.isFinite(edvMl) && edvMl >= 0 && Number.isFinite(esvMl) && esvMl >= 0)) {
    throw new RangeError(`volumes must be finite and ≥ 0 (EDV ${edvMl}, ESV ${esvMl})`);
  }
  const svMl = edvMl - esvMl;
  if (edvMl === 0) return { edvMl, esvMl, svMl, ef: null, efStatus: 'EDV_ZERO' };
  return { edvMl, esvMl, svMl, ef: svMl / edvMl, efStatus: 'OK' };
}
