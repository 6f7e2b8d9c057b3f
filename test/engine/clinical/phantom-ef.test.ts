/**
 * The phantom's ground-truth labels against the generator's own ejection fraction (issue 16 item 2;
 * docs/design.md "Phantom", "Clinical biomarkers"): the LV EF computed from the label stacks with
 * the engine's volume and EF functions, sz the generator's slice spacing (thickness + gap, the value
 * Subject.sliceSpacingMm stores), must be the EF the generator drew the ES shape from, up to the
 * 3-decimal rounding of Info.cfg and the pixel discretisation (measured ≤ 0.002 on these subjects).
 */
import { cardiacBiomarkers } from '../../../src/engine/clinical/biomarkers';
import { addCounts, structurePixelCounts, structureVolumesMl } from '../../../src/engine/clinical/volume';
import { generatePhantomSubject } from '../../../src/engine/data/phantom';
import { ACDC_LABELS } from '../../../src/engine/data/types';

describe('phantom labels', () => {
  // Site B subjects 0–3 are one of each of MINF, HCM, DCM and ARV (seeded blocks of five groups).
  it.each([0, 1, 2, 3])('give the generator’s LV ejection fraction (site B subject %i)', (index) => {
    const subject = generatePhantomSubject('B', index, 7);
    const counts = { ED: { LV: 0, MYO: 0, RV: 0 }, ES: { LV: 0, MYO: 0, RV: 0 } };
    for (const slice of subject.slices) addCounts(counts[slice.phase], structurePixelCounts(slice.label, ACDC_LABELS));
    const [sx, sy] = subject.slices[0].spacingMm;
    const spacing = [sx, sy, subject.sliceSpacingMm!] as const;
    const b = cardiacBiomarkers(structureVolumesMl(counts.ED, spacing), structureVolumesMl(counts.ES, spacing));
    expect(subject.sliceSpacingMm).toBeGreaterThan(0);
    expect(Math.abs(b.LV.ef! - Number(subject.info!.EjectionFraction))).toBeLessThanOrEqual(0.01);
    // A plausible adult LV: 50–300 ml at ED.
    expect(b.LV.edvMl).toBeGreaterThan(50);
    expect(b.LV.edvMl).toBeLessThan(300);
  });
});
