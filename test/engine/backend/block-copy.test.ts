/**
 * Our wasm Concat and SplitV (block-copy.ts) against an index-by-index reference: every element of
 * the concatenation is the element of the part it falls in, for short blocks (channel axis),
 * long ones (outer axes) and int32; the split gives the parts back; strings use the shipped kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/engine/backend';
import { randomArray } from './helpers';

/** Reference concatenation of row-major arrays along `axis`, element by element. */
function referenceConcat(parts: Array<{ data: ArrayLike<number>; shape: number[] }>, axis: number): number[] {
  const outShape = [...parts[0].shape];
  outShape[axis] = parts.reduce((sum, p) => sum + p.shape[axis], 0);
  const size = outShape.reduce((a, b) => a * b, 1);
  const out: number[] = [];
  for (let flat = 0; flat < size; flat++) {
    // The multi-index of `flat` in outShape, then which part its axis coordinate falls in.
    const index: number[] = [];
    let rest = flat;
    for (let d = outShape.length - 1; d >= 0; d--) {
      index[d] = rest % outShape[d];
      rest = Math.floor(rest / outShape[d]);
    }
    let k = index[axis];
    let part = 0;
    while (k >= parts[part].shape[axis]) k -= parts[part++].shape[axis];
    const shape = parts[part].shape;
    const local = index.map((v, d) => (d === axis ? k : v));
    const offset = local.reduce((acc, v, d) => acc * shape[d] + v, 0);
    out.push(parts[part].data[offset]);
  }
  return out;
}

const CASES: Array<{ shapes: number[][]; axis: number }> = [
  {
    shapes: [
      [2, 5, 4, 3],
      [2, 5, 4, 5],
    ],
    axis: 3,
  }, // channel axis: 3- and 5-element blocks
  {
    shapes: [
      [2, 3, 4, 2],
      [2, 3, 4, 1],
      [2, 3, 4, 4],
    ],
    axis: -1,
  },
  {
    shapes: [
      [2, 5, 40, 3],
      [2, 5, 30, 3],
    ],
    axis: 2,
  }, // blocks of 120 and 90 elements
  {
    shapes: [
      [3, 2, 2],
      [1, 2, 2],
    ],
    axis: 0,
  }, // one block each
  {
    shapes: [
      [4, 0, 3],
      [4, 2, 3],
    ],
    axis: 1,
  }, // an empty part
];

describe('wasm Concat and SplitV', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it.each(CASES)('concat and split of %j match the element-wise reference', ({ shapes, axis }) => {
    const parts = shapes.map((shape, i) => ({
      data: randomArray(
        shape.reduce((a, b) => a * b, 1),
        11 + i,
      ),
      shape,
    }));
    const ax = axis < 0 ? shapes[0].length + axis : axis;
    const expected = referenceConcat(parts, ax);
    const tensors = parts.map((p) => tf.tensor(p.data, p.shape));
    const joined = tf.concat(tensors, axis);
    expect(Array.from(joined.dataSync())).toEqual(expected.map((v) => Math.fround(v)));
    const back = tf.split(
      joined,
      shapes.map((s) => s[ax]),
      axis,
    );
    back.forEach((t, i) => {
      expect(t.shape).toEqual(shapes[i]);
      expect(Array.from(t.dataSync())).toEqual(Array.from(parts[i].data));
    });
    tf.dispose([...tensors, joined, ...back]);
  });

  it('keeps int32 values and dtype, and the gradient of a concatenation splits dy', () => {
    const a = tf.tensor([1, 2, 3, 4], [2, 2], 'int32');
    const b = tf.tensor([5, 6], [2, 1], 'int32');
    const c = tf.concat([a, b], 1);
    expect(c.dtype).toBe('int32');
    expect(Array.from(c.dataSync())).toEqual([1, 2, 5, 3, 4, 6]);
    const x = tf.tensor([1, 2, 3, 4], [2, 2]);
    const y = tf.tensor([5, 6], [2, 1]);
    const dy = tf.tensor([10, 20, 30, 40, 50, 60], [2, 3]);
    const [gx, gy] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.concat([p, q], 1))([x, y], dy);
    expect(Array.from(gx.dataSync())).toEqual([10, 20, 40, 50]);
    expect(Array.from(gy.dataSync())).toEqual([30, 60]);
    tf.dispose([a, b, c, x, y, dy, gx, gy]);
  });

  it('concatenates strings through the shipped kernel', () => {
    const s = tf.concat([tf.tensor(['a', 'b']), tf.tensor(['c'])]);
    expect(s.arraySync()).toEqual(['a', 'b', 'c']);
  });
});
