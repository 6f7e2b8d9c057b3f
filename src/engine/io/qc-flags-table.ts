/**
 * Per-slice QC flags of an inference as JSON and CSV (docs/design.md "Exporting results"), one row
 * per slice: z (slice index), phase, the image-mean entropy and MI (nats), per structure
 * Dice_within and ASSD_within (mm; null/empty where undefined), the policy's flag (null/empty
 * without a policy) and the rules that flagged it. The JSON slice objects are those of
 * `cardiac-uq segment`'s qc.json with the phase added; a reason's value is null for an undefined
 * ASSD_within (+∞, which JSON cannot carry). The CSV reasons column joins the reasons as
 * `STRUCTURE:MEASURE>=threshold` with `;`.
 */
import { stringify } from 'csv-stringify/sync';
import { STRUCTURES, type Structure } from '../data/types';

export interface FlagReason {
  structure: Structure;
  measure: string;
  /** The score; null when undefined (ASSD_within of no sample pair). */
  value: number | null;
  threshold: number | null;
}

export interface SliceFlags {
  z: number;
  phase: string;
  entropy: number;
  mi: number;
  structures: Record<Structure, { diceWithin: number | null; assdWithinMm: number | null }>;
  /** null without a policy. */
  flag: boolean | null;
  reasons: readonly FlagReason[];
}

export function flagsJsonSlices(rows: readonly SliceFlags[]) {
  return rows.map((r) => ({
    z: r.z,
    phase: r.phase,
    entropy: r.entropy,
    mi: r.mi,
    ...Object.fromEntries(
      STRUCTURES.map((s) => [
        s,
        { dice_within: r.structures[s].diceWithin, assd_within: r.structures[s].assdWithinMm },
      ]),
    ),
    flag: r.flag,
    reasons: r.reasons.map(({ structure, measure, value, threshold }) => ({ structure, measure, value, threshold })),
  }));
}

export const FLAGS_CSV_COLUMNS = [
  'z',
  'phase',
  'entropy',
  'mi',
  ...STRUCTURES.flatMap((s) => [`${s}_dice_within`, `${s}_assd_within`]),
  'flag',
  'reasons',
] as const;

export function flagsCsv(rows: readonly SliceFlags[]): string {
  const records = rows.map((r) => [
    r.z,
    r.phase,
    r.entropy,
    r.mi,
    ...STRUCTURES.flatMap((s) => [r.structures[s].diceWithin, r.structures[s].assdWithinMm]),
    r.flag,
    r.reasons.map((x) => `${x.structure}:${x.measure}>=${x.threshold ?? 'null'}`).join(';'),
  ]);
  // null (undefined ASSD_within, no policy) is an empty field; booleans as true/false.
  return stringify(records, {
    header: true,
    columns: [...FLAGS_CSV_COLUMNS],
    cast: { boolean: (b) => String(b) },
  });
}
