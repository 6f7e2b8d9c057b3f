/**
 * Connected components and holes of one class in a 2-D label map (docs/design.md "Anatomical
 * plausibility"). Foreground pixels connect through their 4 neighbours and background pixels
 * through their 8, the usual pairing of digital topology that makes "a component" and "a hole"
 * agree with the Jordan curve theorem (a diagonal step never both joins a ring and lets the inside
 * out).
 *
 * - components(R) = number of 4-connected components of R = {labels == value}.
 * - holes(R) = number of 8-connected components of the complement of R that touch no image edge.
 *
 * Written by hand: a breadth-first flood over a typed-array queue is a dozen lines, and no
 * maintained JavaScript library labels typed-array images.
 */

const NEIGHBOURS_4: ReadonlyArray<readonly [number, number]> = [
  [-1, 0],
  [1, 0],
  [0, -1],
  [0, 1],
];
const NEIGHBOURS_8: ReadonlyArray<readonly [number, number]> = [...NEIGHBOURS_4, [-1, -1], [-1, 1], [1, -1], [1, 1]];

/**
 * Floods every component of {inside(i)} with the given neighbourhood; calls `done(touchesEdge)`
 * once per component. `seen` is scratch of length rows·cols, zeroed here.
 */
function floodComponents(
  rows: number,
  cols: number,
  inside: (i: number) => boolean,
  neighbours: ReadonlyArray<readonly [number, number]>,
  done: (touchesEdge: boolean) => void,
): void {
  const n = rows * cols;
  const seen = new Uint8Array(n);
  const queue = new Int32Array(n);
  for (let start = 0; start < n; start++) {
    if (seen[start] || !inside(start)) continue;
    let head = 0;
    let tail = 0;
    let touchesEdge = false;
    seen[start] = 1;
    queue[tail++] = start;
    while (head < tail) {
      const i = queue[head++];
      const r = (i / cols) | 0;
      const c = i - r * cols;
      if (r === 0 || c === 0 || r === rows - 1 || c === cols - 1) touchesEdge = true;
      for (const [dr, dc] of neighbours) {
        const rr = r + dr;
        const cc = c + dc;
        if (rr < 0 || cc < 0 || rr >= rows || cc >= cols) continue;
        const j = rr * cols + cc;
        if (seen[j] || !inside(j)) continue;
        seen[j] = 1;
        queue[tail++] = j;
      }
    }
    done(touchesEdge);
  }
}

export interface RegionTopology {
  /** 4-connected components of the class. */
  components: number;
  /** 8-connected components of its complement that touch no image edge. */
  holes: number;
}

export function regionTopology(labels: Uint8Array, rows: number, cols: number, value: number): RegionTopology {
  if (labels.length !== rows * cols) throw new RangeError(`label map has ${labels.length} pixels, not ${rows}×${cols}`);
  let components = 0;
  let holes = 0;
  floodComponents(
    rows,
    cols,
    (i) => labels[i] === value,
    NEIGHBOURS_4,
    () => components++,
  );
  floodComponents(
    rows,
    cols,
    (i) => labels[i] !== value,
    NEIGHBOURS_8,
    (touchesEdge) => {
      if (!touchesEdge) holes++;
    },
  );
  return { components, holes };
}
