/**
 * Area jumps between neighbouring slices (docs/design.md "Anatomical plausibility"): hearts change
 * smoothly from base to apex, so a structure whose area doubles or vanishes from one slice to the
 * next is suspect. For a stack of one subject and phase in slice order, with A_z the structure's
 * predicted pixels in slice z:
 *
 *   jump(z) = max over the neighbours n ∈ {z − 1, z + 1} in the stack of |A_z − A_n| / max(A_z, A_n),
 *
 * a term being 0 when A_z = A_n = 0, and jump(z) = 0 for a stack of one slice. It lies in [0, 1]:
 * 1 when the structure appears or vanishes between z and a neighbour.
 */
export function areaJumps(areas: ArrayLike<number>): Float64Array {
  const n = areas.length;
  const jumps = new Float64Array(n);
  const term = (a: number, b: number) => (a === 0 && b === 0 ? 0 : Math.abs(a - b) / Math.max(a, b));
  for (let z = 0; z < n; z++) {
    const a = areas[z];
    if (!(a >= 0)) throw new RangeError(`area of slice ${z} is ${a}: areas are pixel counts ≥ 0`);
    let jump = 0;
    if (z > 0) jump = Math.max(jump, term(a, areas[z - 1]));
    if (z < n - 1) jump = Math.max(jump, term(a, areas[z + 1]));
    jumps[z] = jump;
  }
  return jumps;
}
