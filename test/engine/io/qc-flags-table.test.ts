/** Per-slice QC flags as JSON and CSV (src/engine/io/qc-flags-table.ts): the exact text of a small table. */
import { flagsCsv, flagsJsonSlices, type SliceFlags } from '../../../src/engine/io/qc-flags-table';

const rows: SliceFlags[] = [
  {
    z: 0,
    phase: 'ED',
    entropy: 0.25,
    mi: 0.125,
    structures: {
      LV: { diceWithin: 0.9, assdWithinMm: 0.5 },
      MYO: { diceWithin: 0.75, assdWithinMm: null },
      RV: { diceWithin: 1, assdWithinMm: 0 },
    },
    flag: true,
    reasons: [
      { structure: 'MYO', measure: 'ASSD_WITHIN', value: null, threshold: 1.5 },
      { structure: 'LV', measure: 'ENTROPY', value: 0.25, threshold: 0.2 },
    ],
  },
  {
    z: 1,
    phase: 'ED',
    entropy: 0.5,
    mi: 0,
    structures: {
      LV: { diceWithin: 1, assdWithinMm: 0 },
      MYO: { diceWithin: 1, assdWithinMm: 0 },
      RV: { diceWithin: 1, assdWithinMm: 0 },
    },
    flag: null,
    reasons: [],
  },
];

test('CSV: one row per slice, empty fields for null, reasons joined', () => {
  expect(flagsCsv(rows)).toBe(
    'z,phase,entropy,mi,LV_dice_within,LV_assd_within,MYO_dice_within,MYO_assd_within,RV_dice_within,RV_assd_within,flag,reasons\n' +
      '0,ED,0.25,0.125,0.9,0.5,0.75,,1,0,true,MYO:ASSD_WITHIN>=1.5;LV:ENTROPY>=0.2\n' +
      '1,ED,0.5,0,1,0,1,0,1,0,,\n',
  );
});

test('JSON: segment qc.json slice objects with the phase', () => {
  expect(flagsJsonSlices(rows)[0]).toEqual({
    z: 0,
    phase: 'ED',
    entropy: 0.25,
    mi: 0.125,
    LV: { dice_within: 0.9, assd_within: 0.5 },
    MYO: { dice_within: 0.75, assd_within: null },
    RV: { dice_within: 1, assd_within: 0 },
    flag: true,
    reasons: [
      { structure: 'MYO', measure: 'ASSD_WITHIN', value: null, threshold: 1.5 },
      { structure: 'LV', measure: 'ENTROPY', value: 0.25, threshold: 0.2 },
    ],
  });
});
