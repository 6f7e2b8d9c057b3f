/** The realised promise of a QC policy (src/engine/metrics/promise-check.ts), against counts made by hand. */
import { poorByStructure, realisedPromise } from '../../../src/engine/metrics/promise-check';

const poor = (LV: boolean, MYO: boolean, RV: boolean) => ({ LV, MYO, RV });

describe('realised promise', () => {
  // flagged:  F  T  F  F  T
  // LV poor:  T  T  F  F  F
  // RV poor:  F  F  T  F  F
  const cases = [
    { flagged: false, poor: poor(true, false, false) },
    { flagged: true, poor: poor(true, false, false) },
    { flagged: false, poor: poor(false, false, true) },
    { flagged: false, poor: poor(false, false, false) },
    { flagged: true, poor: poor(false, false, false) },
  ];

  it('counts flagged and unflagged poor cases over all labelled cases', () => {
    const lv = realisedPromise(cases, ['LV']);
    expect(lv).toMatchObject({ labelled: 5, flagged: 2, poor: 2, reviewFraction: 0.4, poorLeft: 0.2 });
    expect(lv.structures).toEqual([
      { structure: 'LV', poor: 2, poorLeft: 0.2 },
      { structure: 'MYO', poor: 0, poorLeft: 0 },
      { structure: 'RV', poor: 1, poorLeft: 0.2 },
    ]);
    // Poor in any rule's structure: cases 0, 1 and 2, of which 0 and 2 are not flagged.
    expect(realisedPromise(cases, ['LV', 'RV'])).toMatchObject({ poor: 3, poorLeft: 0.4 });
  });

  it('gives null fractions when nothing is labelled yet', () => {
    expect(realisedPromise([], ['LV'])).toMatchObject({ labelled: 0, reviewFraction: null, poorLeft: null });
  });

  it('judges the mean segmentation with the evaluation definitions (missed structure poor, both empty not)', () => {
    // 4 × 4, spacing 1 mm: ground truth has an LV square (class 3) and nothing else.
    const gt = new Uint8Array(16);
    for (const i of [5, 6, 9, 10]) gt[i] = 3;
    expect(poorByStructure(gt, gt, 4, 4, [1, 1])).toEqual(poor(false, false, false));
    const missed = new Uint8Array(16);
    expect(poorByStructure(missed, gt, 4, 4, [1, 1])).toEqual(poor(true, false, false));
    // A prediction shifted by 2 pixels: ASSD 2 mm > 1.17 mm (LV).
    const shifted = new Uint8Array(16);
    for (const i of [7, 11]) shifted[i] = 3;
    expect(poorByStructure(shifted, gt, 4, 4, [1, 1]).LV).toBe(true);
  });
});
