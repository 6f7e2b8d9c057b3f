/**
 * Volumes, ejection fraction and myocardial mass on hand-made tiny volumes; every expected value
 * is worked out in the comments from the definitions (docs/design.md "Clinical biomarkers").
 */
import { ACDC_LABELS } from '../../../src/engine/data/types';
import { cardiacBiomarkers } from '../../../src/engine/clinical/biomarkers';
import { ventricularFunction } from '../../../src/engine/clinical/ejection-fraction';
import { myocardialMassG } from '../../../src/engine/clinical/myocardial-mass';
import {
  addCounts,
  structurePixelCounts,
  structureVolumesMl,
  voxelVolumeMl,
} from '../../../src/engine/clinical/volume';

// ACDC labels: RV 1, MYO 2, LV 3. Two 3×4 slices per phase.
const ED = [
  [3, 3, 3, 2, 3, 3, 2, 1, 0, 1, 1, 1], // LV 5, MYO 2, RV 4
  [3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 1, 0], // LV 7, MYO 3, RV 1
];
const ES = [
  [3, 3, 2, 2, 3, 0, 2, 1, 0, 1, 1, 0], // LV 3, MYO 3, RV 3
  [3, 3, 3, 2, 2, 0, 0, 1, 0, 0, 0, 0], // LV 3, MYO 2, RV 1
];
// spacing 2.5 × 2 × 8 mm → one voxel 40 mm³ = 0.04 ml.
const spacing = [2.5, 2, 8] as const;

function phaseCounts(slices: number[][]) {
  return slices.reduce((acc, s) => addCounts(acc, structurePixelCounts(s, ACDC_LABELS)), { LV: 0, MYO: 0, RV: 0 });
}

describe('structure volumes', () => {
  it('counts pixels per structure and sums them over slices (Σ_z n_k(z))', () => {
    expect(structurePixelCounts(ED[0], ACDC_LABELS)).toEqual({ LV: 5, MYO: 2, RV: 4 });
    expect(phaseCounts(ED)).toEqual({ LV: 12, MYO: 5, RV: 5 });
    expect(phaseCounts(ES)).toEqual({ LV: 6, MYO: 5, RV: 4 });
  });

  it('follows the label map and ignores values outside it', () => {
    // LV=1, MYO=7, RV=3: the 2s are not counted, 1 is now LV.
    expect(structurePixelCounts([1, 1, 7, 3, 2, 2, 0], { LV: 1, MYO: 7, RV: 3 })).toEqual({ LV: 2, MYO: 1, RV: 1 });
  });

  it('V = N · sx · sy · sz / 1000 ml', () => {
    expect(voxelVolumeMl(spacing)).toBeCloseTo(0.04, 15);
    const v = structureVolumesMl(phaseCounts(ED), spacing);
    expect(v.LV).toBeCloseTo(0.48, 12); // 12 · 0.04
    expect(v.MYO).toBeCloseTo(0.2, 12); // 5 · 0.04
    expect(v.RV).toBeCloseTo(0.2, 12);
    // 1.25 × 1.25 × 10 mm: 15.625 mm³ per voxel; 64 voxels = 1 ml.
    expect(structureVolumesMl({ LV: 64, MYO: 0, RV: 1 }, [1.25, 1.25, 10])).toEqual({ LV: 1, MYO: 0, RV: 0.015625 });
  });

  it('refuses zero, negative and non-finite spacing', () => {
    for (const bad of [
      [0, 1, 1],
      [1, -1, 1],
      [1, 1, NaN],
      [1, 1, Infinity],
    ]) {
      expect(() => voxelVolumeMl(bad as unknown as [number, number, number])).toThrow(/finite values > 0/);
    }
  });
});

describe('ejection fraction and myocardial mass', () => {
  it('SV = EDV − ESV, EF = SV / EDV', () => {
    expect(ventricularFunction(120, 50)).toEqual({ edvMl: 120, esvMl: 50, svMl: 70, ef: 70 / 120, efStatus: 'OK' });
  });

  it('EF is null with EDV_ZERO when EDV = 0; an ESV above EDV is not clamped', () => {
    expect(ventricularFunction(0, 0)).toEqual({ edvMl: 0, esvMl: 0, svMl: 0, ef: null, efStatus: 'EDV_ZERO' });
    expect(ventricularFunction(0, 3).svMl).toBe(-3);
    expect(ventricularFunction(40, 50).ef).toBeCloseTo(-0.25, 15);
    expect(() => ventricularFunction(-1, 0)).toThrow(RangeError);
    expect(() => ventricularFunction(1, NaN)).toThrow(RangeError);
  });

  it('mass = 1.05 g/ml × MYO volume', () => {
    expect(myocardialMassG(100)).toBeCloseTo(105, 12);
    expect(myocardialMassG(0)).toBe(0);
    expect(() => myocardialMassG(-1)).toThrow(RangeError);
  });

  it('a subject: LV EDV 0.48, ESV 0.24, EF 0.5; RV EDV 0.2, ESV 0.16, EF 0.2; MYO 0.21 g at ED and ES', () => {
    const b = cardiacBiomarkers(
      structureVolumesMl(phaseCounts(ED), spacing),
      structureVolumesMl(phaseCounts(ES), spacing),
    );
    expect(b.LV.edvMl).toBeCloseTo(0.48, 12);
    expect(b.LV.esvMl).toBeCloseTo(0.24, 12); // 6 · 0.04
    expect(b.LV.svMl).toBeCloseTo(0.24, 12);
    expect(b.LV.ef).toBeCloseTo(0.5, 12);
    expect(b.RV.edvMl).toBeCloseTo(0.2, 12); // 5 · 0.04
    expect(b.RV.esvMl).toBeCloseTo(0.16, 12); // 4 · 0.04
    expect(b.RV.ef).toBeCloseTo(0.2, 12); // 0.04 / 0.2
    expect(b.MYO.massEdG).toBeCloseTo(0.21, 12); // 1.05 · 5 · 0.04
    expect(b.MYO.massEsG).toBeCloseTo(0.21, 12);
  });
});
