/**
 * Slice content hashes (src/store/slice-codec.ts): a labelled slice hashes exactly as before
 * labels became optional (header, image bytes, label bytes), and a slice without a label hashes
 * "no label" in the label's place, so it differs from the same image with any label.
 */
import crypto from 'node:crypto';
import { sliceContentHash } from '../../src/store/slice-codec';

const slice = { rows: 1, cols: 2, spacingMm: [0.5, 2] as const, image: Float32Array.of(1, -2.5) };
// float32 little-endian: 1 = 00 00 80 3f, −2.5 = 00 00 20 c0.
const imageBytes = Uint8Array.of(0, 0, 0x80, 0x3f, 0, 0, 0x20, 0xc0);
const sha = (...parts: (string | Uint8Array)[]) => {
  const h = crypto.createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

test('labelled slices hash header, image and label bytes as they always did', () => {
  expect(sliceContentHash({ ...slice, label: Uint8Array.of(0, 3) })).toBe(
    sha('1x2@0.5,2\n', imageBytes, Uint8Array.of(0, 3)),
  );
});

test('a slice without a label hashes "no label" there, unlike every label of its shape', () => {
  const none = sliceContentHash({ ...slice, label: null });
  expect(none).toBe(sha('1x2@0.5,2\n', imageBytes, 'no label'));
  const labelled = new Set<string>();
  for (let a = 0; a < 4; a++)
    for (let b = 0; b < 4; b++) labelled.add(sliceContentHash({ ...slice, label: Uint8Array.of(a, b) }));
  expect(labelled.size).toBe(16);
  expect(labelled.has(none)).toBe(false);
});
