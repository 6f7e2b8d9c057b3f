/**
 * Stored maps (src/store/map-codec.ts): raw DEFLATE streams that an independent decoder (Node's
 * inflateRawSync) reads back to the input, and uncertainty maps quantised to 255 steps over
 * [0, ln 4] nats, pinned by hand.
 */
import { inflateRawSync } from 'node:zlib';
import { packLabels, packNatsMap, unpackLabels, unpackNatsMap } from '../../src/store/map-codec';

describe('map codec', () => {
  test('label maps deflate to raw DEFLATE and back, tiny or 200 × 200', () => {
    for (const labels of [
      new Uint8Array(0),
      new Uint8Array([3]),
      Uint8Array.from({ length: 40000 }, (_, i) => (i * 7) % 4),
    ]) {
      const packed = packLabels(labels);
      expect(packed.buffer.byteLength).toBe(packed.length);
      expect([...new Uint8Array(inflateRawSync(packed))]).toEqual([...labels]);
      expect([...unpackLabels(packed)]).toEqual([...labels]);
    }
  });

  test('uncertainty maps keep round(255 · u / ln 4), clamped to [0, ln 4]', () => {
    const ln4 = Math.log(4);
    const packed = packNatsMap([0, ln4, ln4 / 2, -1, 9, ln4 / 255]);
    expect([...new Uint8Array(inflateRawSync(packed))]).toEqual([0, 255, 128, 0, 255, 1]);
    expect([...unpackNatsMap(packed)]).toEqual([0, 255, 128, 0, 255, 1].map((q) => Math.fround((q / 255) * ln4)));
  });
});
