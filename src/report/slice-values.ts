/**
 * Every stored slice row of an evaluation, read through GraphQL (`evaluation.predictions`, pages of
 * 500): its subject, position in the stack, per-structure metrics and image metrics with the
 * reliability histogram. The report's subject bootstrap (subject-intervals.ts, docs/design.md
 * "Bootstrap intervals") resamples subjects from these rows; nothing is recomputed from images.
 */
import { STRUCTURES, type StructureName } from './collect';
import type { GqlClient } from './graphql-client';

export interface SliceStructure {
  dice: number;
  /** null where one mask is empty (kept out of the distance means). */
  assd: number | null;
  hd: number | null;
  diceWithin: number | null;
  assdWithin: number | null;
  poor: boolean;
}

export interface SliceValues {
  subjectId: string;
  sliceIndex: number;
  sliceCount: number;
  structures: Record<StructureName, SliceStructure>;
  nll: number;
  brier: number;
  entropy: number;
  mi: number;
  /** The slice's reliability histogram (the evaluation's calibration bins). */
  binCounts: number[];
  binConfidenceSum: number[];
  binCorrect: number[];
}

const PAGE = 500;

/**
 * What is read: `all`, or for a distortion sweep's figures (Dice, entropy and MI only) `sweep`,
 * which leaves the other fields null, false, 0 or empty (a third of the fields to resolve).
 */
export type SliceFields = 'all' | 'sweep';

const SELECTION: Record<SliceFields, string> = {
  all: `slice { subjectId sliceIndex sliceCount }
    metrics { structure dice assdMm hdMm diceWithin assdWithinMm poor }
    image { nll brier entropy mi binCounts binConfidenceSum binCorrect }`,
  sweep: 'slice { subjectId } metrics { structure dice } image { entropy mi }',
};

export async function sliceValues(
  gql: GqlClient,
  evaluationId: string,
  fields: SliceFields = 'all',
): Promise<SliceValues[]> {
  const out: SliceValues[] = [];
  for (let after: string | null = null; ;) {
    const data: any = await gql(
      `query($id: ID!, $after: String) { evaluation(id: $id) { predictions(first: ${PAGE}, after: $after) {
        nodes { ${SELECTION[fields]} }
        pageInfo { hasNextPage endCursor } } } }`,
      { id: evaluationId, after },
    );
    const page = data.evaluation.predictions;
    for (const row of page.nodes) {
      if (!row.image) continue; // a slice without image metrics has no calibration to resample
      const of = (s: StructureName) => row.metrics.find((m: { structure: string }) => m.structure === s);
      out.push({
        subjectId: row.slice.subjectId,
        sliceIndex: row.slice.sliceIndex ?? 0,
        sliceCount: row.slice.sliceCount ?? 1,
        structures: Object.fromEntries(
          STRUCTURES.map((s) => {
            const m = of(s);
            return [
              s,
              {
                dice: m.dice,
                assd: m.assdMm ?? null,
                hd: m.hdMm ?? null,
                diceWithin: m.diceWithin ?? null,
                assdWithin: m.assdWithinMm ?? null,
                poor: m.poor ?? false,
              },
            ];
          }),
        ) as Record<StructureName, SliceStructure>,
        nll: row.image.nll ?? 0,
        brier: row.image.brier ?? 0,
        entropy: row.image.entropy,
        mi: row.image.mi,
        binCounts: row.image.binCounts ?? [],
        binConfidenceSum: row.image.binConfidenceSum ?? [],
        binCorrect: row.image.binCorrect ?? [],
      });
    }
    if (!page.pageInfo.hasNextPage) return out;
    after = page.pageInfo.endCursor;
  }
}
