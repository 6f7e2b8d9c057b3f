/**
 * Plausibility signals on hand-drawn label maps (0 background, 1 RV, 2 MYO, 3 LV), each count
 * worked out by eye from the picture.
 */
import { regionTopology } from '../../../src/engine/plausibility/connected-components';
import { slicePlausibility } from '../../../src/engine/plausibility/slice-plausibility';
import { areaJumps } from '../../../src/engine/plausibility/area-jump';

/** Rows of digits → a label map. */
function draw(...rows: string[]) {
  const cols = rows[0].length;
  return { labels: Uint8Array.from(rows.join('').split('').map(Number)), rows: rows.length, cols };
}

describe('components and holes', () => {
  test('two blobs touching only at a corner are two 4-components', () => {
    const { labels, rows, cols } = draw('1100', '1100', '0011', '0011');
    expect(regionTopology(labels, rows, cols, 1)).toEqual({ components: 2, holes: 0 });
  });

  test('a ring has one hole; with a corner missing the inside leaks out diagonally (background is 8-connected)', () => {
    const ring = draw('00000', '02220', '02020', '02220', '00000');
    expect(regionTopology(ring.labels, ring.rows, ring.cols, 2)).toEqual({ components: 1, holes: 1 });
    // Without (1,1) the ring is still one 4-path, but its inside (2,2) reaches (1,1) and the edge.
    const open = draw('00000', '00220', '02020', '02220', '00000');
    expect(regionTopology(open.labels, open.rows, open.cols, 2)).toEqual({ components: 1, holes: 0 });
  });

  test('two holes, an absent class, and a class filling the image', () => {
    const two = draw('222222', '202022', '222222');
    expect(regionTopology(two.labels, two.rows, two.cols, 2)).toEqual({ components: 1, holes: 2 });
    expect(regionTopology(two.labels, two.rows, two.cols, 3)).toEqual({ components: 0, holes: 0 });
    const full = draw('33', '33');
    expect(regionTopology(full.labels, full.rows, full.cols, 3)).toEqual({ components: 1, holes: 0 });
  });

  test('a background pocket on the edge is not a hole', () => {
    const { labels, rows, cols } = draw('2202', '2222');
    expect(regionTopology(labels, rows, cols, 2)).toEqual({ components: 1, holes: 0 });
  });

  test('on random maps, equals a flood of the whole image (components 4-connected, holes 8-connected off the edge)', () => {
    // Reference: label every pixel of the whole map by breadth-first search, no window.
    const flood = (inside: (i: number) => boolean, rows: number, cols: number, eight: boolean) => {
      const seen = new Array<boolean>(rows * cols).fill(false);
      const steps = eight
        ? [-1, 0, 1].flatMap((dr) => [-1, 0, 1].map((dc) => [dr, dc])).filter(([dr, dc]) => dr || dc)
        : [
            [-1, 0],
            [1, 0],
            [0, -1],
            [0, 1],
          ];
      const out: boolean[] = []; // per component: touches the image edge
      for (let s = 0; s < rows * cols; s++) {
        if (seen[s] || !inside(s)) continue;
        const queue = [s];
        seen[s] = true;
        let edge = false;
        while (queue.length) {
          const i = queue.shift()!;
          const [r, c] = [Math.floor(i / cols), i % cols];
          if (r === 0 || c === 0 || r === rows - 1 || c === cols - 1) edge = true;
          for (const [dr, dc] of steps) {
            const [rr, cc] = [r + dr, c + dc];
            const j = rr * cols + cc;
            if (rr < 0 || cc < 0 || rr >= rows || cc >= cols || seen[j] || !inside(j)) continue;
            seen[j] = true;
            queue.push(j);
          }
        }
        out.push(edge);
      }
      return out;
    };
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let trial = 0; trial < 200; trial++) {
      const rows = 3 + Math.floor(next() * 12);
      const cols = 3 + Math.floor(next() * 12);
      const density = 0.2 + next() * 0.6;
      const labels = Uint8Array.from({ length: rows * cols }, () => (next() < density ? 2 : next() < 0.5 ? 1 : 0));
      const expected = {
        components: flood((i) => labels[i] === 2, rows, cols, false).length,
        holes: flood((i) => labels[i] !== 2, rows, cols, true).filter((edge) => !edge).length,
      };
      expect(regionTopology(labels, rows, cols, 2)).toEqual(expected);
    }
  });

  test('shape mismatch is refused', () => {
    expect(() => regionTopology(new Uint8Array(5), 2, 3, 1)).toThrow(RangeError);
  });
});

describe('slice plausibility', () => {
  test('a plausible mid-ventricular slice: closed myocardium, RV beside the septum only', () => {
    const { labels, rows, cols } = draw(
      '0000000', //
      '0112220',
      '0112320',
      '0112220',
      '0000000',
    );
    const p = slicePlausibility(labels, rows, cols);
    expect(p.topology).toEqual({
      LV: { components: 1, holes: 0 },
      MYO: { components: 1, holes: 1 },
      RV: { components: 1, holes: 0 },
    });
    expect(p).toMatchObject({ lvExposed: 0, myoClosed: true, rvLvContact: 0 });
  });

  test('an open ring: LV pixels beside background and RV are exposed; RV beside LV is contact', () => {
    const { labels, rows, cols } = draw(
      '0000000', //
      '0112220',
      '0113330',
      '0112220',
      '0000000',
    );
    // LV (2,3) (2,4) (2,5): (2,3) touches RV (2,2); (2,5) touches background (2,6). (2,4) is
    // between MYO above and below and LV either side.
    const p = slicePlausibility(labels, rows, cols);
    expect(p).toMatchObject({ lvExposed: 2, myoClosed: false, rvLvContact: 1 });
    expect(p.topology.MYO).toEqual({ components: 2, holes: 0 });
  });

  test('LV on the image edge is exposed; no LV means myoClosed is null', () => {
    const edge = draw('32', '22');
    expect(slicePlausibility(edge.labels, edge.rows, edge.cols)).toMatchObject({ lvExposed: 1, myoClosed: false });
    const none = draw('000', '020', '000');
    expect(slicePlausibility(none.labels, none.rows, none.cols)).toMatchObject({ lvExposed: 0, myoClosed: null });
  });
});

describe('area jumps', () => {
  test('max relative change to a neighbour, 0 between empty slices, 1 where a structure appears', () => {
    expect(Array.from(areaJumps([100, 80, 80, 0, 0]))).toEqual([0.2, 0.2, 1, 1, 0]);
    expect(Array.from(areaJumps([7]))).toEqual([0]);
    expect(Array.from(areaJumps([]))).toEqual([]);
  });

  test('a negative or NaN area is refused', () => {
    expect(() => areaJumps([1, -1])).toThrow(RangeError);
    expect(() => areaJumps([NaN])).toThrow(RangeError);
  });
});
