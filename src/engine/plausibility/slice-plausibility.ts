/**
 * Anatomical plausibility of one predicted label map (docs/design.md "Anatomical plausibility"):
 * what a short-axis segmentation of a heart looks like, stated as counts that are 0 (or 1) on a
 * plausible slice and grow with how implausible it is. Class indices in channel order
 * (0 background, 1 RV, 2 MYO, 3 LV; src/engine/data/types.ts); 4-neighbourhoods throughout.
 *
 * - per structure: components and holes (connected-components.ts): 1 and 0 when present, but
 *   MYO, a ring around the cavity, has 1 hole;
 * - lvExposed: LV pixels on the image edge or beside background or RV. 0 ⇔ the myocardium closes
 *   around the LV cavity (`myoClosed`, null without LV);
 * - rvLvContact: RV pixels beside an LV pixel. The RV touches the LV only through the septum (MYO),
 *   so a plausible slice has 0.
 */
import { STRUCTURES, type Structure } from '../data/types';
import { regionTopology, type RegionTopology } from './connected-components';

const CLASS_OF: Record<Structure, number> = { RV: 1, MYO: 2, LV: 3 };
/** Only LV and MYO may surround an LV pixel. */
const OUTSIDE_LV = [0, CLASS_OF.RV];

export interface SlicePlausibility {
  topology: Record<Structure, RegionTopology>;
  lvExposed: number;
  /** Whether MYO closes around the LV cavity; null when the slice has no LV. */
  myoClosed: boolean | null;
  rvLvContact: number;
}

export function slicePlausibility(labels: Uint8Array, rows: number, cols: number): SlicePlausibility {
  const topology = Object.fromEntries(
    STRUCTURES.map((k) => [k, regionTopology(labels, rows, cols, CLASS_OF[k])]),
  ) as Record<Structure, RegionTopology>;
  /** Whether a 4-neighbour of pixel (r, c) inside the image has a class in `classes`. */
  const beside = (r: number, c: number, classes: readonly number[]) =>
    (r > 0 && classes.includes(labels[(r - 1) * cols + c])) ||
    (r < rows - 1 && classes.includes(labels[(r + 1) * cols + c])) ||
    (c > 0 && classes.includes(labels[r * cols + c - 1])) ||
    (c < cols - 1 && classes.includes(labels[r * cols + c + 1]));
  let lvPixels = 0;
  let lvExposed = 0;
  let rvLvContact = 0;
  for (let r = 0, i = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++, i++) {
      if (labels[i] === CLASS_OF.LV) {
        lvPixels++;
        const onEdge = r === 0 || c === 0 || r === rows - 1 || c === cols - 1;
        if (onEdge || beside(r, c, OUTSIDE_LV)) lvExposed++;
      } else if (labels[i] === CLASS_OF.RV && beside(r, c, [CLASS_OF.LV])) rvLvContact++;
    }
  }
  return { topology, lvExposed, myoClosed: lvPixels === 0 ? null : lvExposed === 0, rvLvContact };
}
