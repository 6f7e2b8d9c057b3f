import { boundaryMask } from '../../../src/engine/metrics/boundary';

const grid = (rows: string[]) => Uint8Array.from(rows.join('').split('').map(Number));
const show = (m: Uint8Array, cols: number) =>
  Array.from({ length: m.length / cols }, (_, r) => Array.from(m.subarray(r * cols, (r + 1) * cols)).join(''));

describe('4-connected boundary', () => {
  it.each([
    {
      name: '3×3 square inside: the ring of 8, centre is interior',
      labels: ['00000', '01110', '01110', '01110', '00000'],
      boundary: ['00000', '01110', '01010', '01110', '00000'],
    },
    {
      name: 'touching the image edge: outside the image counts as outside',
      labels: ['11100', '11100', '11100', '00000'],
      boundary: ['11100', '10100', '11100', '00000'],
    },
    {
      name: 'whole image: only the border pixels',
      labels: ['1111', '1111', '1111'],
      boundary: ['1111', '1001', '1111'],
    },
    {
      name: 'single pixel and a diagonal neighbour (8- not 4-connected): both boundary',
      labels: ['100', '010', '000'],
      boundary: ['100', '010', '000'],
    },
    {
      name: 'plus shape: centre has all 4 neighbours inside, so is interior',
      labels: ['010', '111', '010'],
      boundary: ['010', '101', '010'],
    },
    { name: 'empty region', labels: ['000', '000'], boundary: ['000', '000'] },
  ])('$name', ({ labels, boundary }) => {
    const cols = labels[0].length;
    expect(show(boundaryMask(grid(labels), labels.length, cols, 1), cols)).toEqual(boundary);
  });

  it('only looks at the requested label value', () => {
    // value 2 region is a 2×2 block whose neighbours are label 1 (outside for value 2)
    const lab = grid(['1111', '1221', '1221', '1111']);
    expect(show(boundaryMask(lab, 4, 4, 2), 4)).toEqual(['0000', '0110', '0110', '0000']);
  });
});
