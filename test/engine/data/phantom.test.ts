import {
  assignSplits,
  generatePhantomDataset,
  generatePhantomSubject,
  PHANTOM_GROUPS,
} from '../../../src/engine/data/phantom';
import { sampleSubjects } from '../../../src/engine/data/subject-sample';
import type { LabeledSlice, Subject } from '../../../src/engine/data/types';

const areaMm2 = (s: LabeledSlice, cls: number) => {
  let n = 0;
  for (const v of s.label) if (v === cls) n++;
  return n * s.spacingMm[0] * s.spacingMm[1];
};
const centroidCol = (s: LabeledSlice, cls: number) => {
  let sum = 0;
  let n = 0;
  for (let k = 0; k < s.label.length; k++)
    if (s.label[k] === cls) {
      sum += k % s.cols;
      n++;
    }
  return sum / n;
};
const meanOver = (s: LabeledSlice, cls: number) => {
  let sum = 0;
  let n = 0;
  for (let k = 0; k < s.label.length; k++)
    if (s.label[k] === cls) {
      sum += s.image[k];
      n++;
    }
  return sum / n;
};
const phaseSlices = (sub: Subject, phase: 'ED' | 'ES') => sub.slices.filter((s) => s.phase === phase);

/** LV pixels with a 4-neighbour that is neither LV nor MYO (outside the image counts as outside). */
function lvLeaks(s: LabeledSlice): { leaks: number; boundary: number } {
  let leaks = 0;
  let boundary = 0;
  for (let i = 0; i < s.rows; i++) {
    for (let j = 0; j < s.cols; j++) {
      if (s.label[i * s.cols + j] !== 3) continue;
      let leak = false;
      let edge = false;
      for (const [di, dj] of [
        [1, 0],
        [-1, 0],
        [0, 1],
        [0, -1],
      ]) {
        const ii = i + di;
        const jj = j + dj;
        const v = ii < 0 || jj < 0 || ii >= s.rows || jj >= s.cols ? 0 : s.label[ii * s.cols + jj];
        if (v !== 3) edge = true;
        if (v !== 3 && v !== 2) leak = true;
      }
      if (edge) boundary++;
      if (leak) leaks++;
    }
  }
  return { leaks, boundary };
}

describe('phantom reproducibility', () => {
  it('same seed gives identical bytes, another seed differs', () => {
    const a = generatePhantomSubject('A', 2, 7);
    const b = generatePhantomSubject('A', 2, 7);
    const c = generatePhantomSubject('A', 2, 8);
    expect(a.slices.length).toBe(b.slices.length);
    a.slices.forEach((s, k) => {
      expect(Buffer.from(s.image.buffer).equals(Buffer.from(b.slices[k].image.buffer))).toBe(true);
      expect(Buffer.from(s.label).equals(Buffer.from(b.slices[k].label))).toBe(true);
    });
    expect(Buffer.from(a.slices[0].image.buffer).equals(Buffer.from(c.slices[0].image.buffer))).toBe(false);
  });
  it('subject k is the same whatever else is generated', () => {
    const three = generatePhantomDataset({ site: 'B', subjects: 2, seed: 's' });
    const alone = generatePhantomSubject('B', 1, 's');
    expect(Buffer.from(three[1].slices[5].image.buffer).equals(Buffer.from(alone.slices[5].image.buffer))).toBe(true);
    expect(three[1].group).toBe(alone.group);
  });
});

describe('phantom plausibility, site A', () => {
  const subjects = [0, 1, 2].map((k) => generatePhantomSubject('A', k, 11));

  it('has the site A acquisition: 1.8–2.1 mm pixels, ≈200×180, 8–12 slices, labels in 0..3', () => {
    for (const sub of subjects) {
      expect(sub.group).toBe('NOR');
      const n = phaseSlices(sub, 'ED').length;
      expect(n).toBeGreaterThanOrEqual(8);
      expect(n).toBeLessThanOrEqual(12);
      expect(phaseSlices(sub, 'ES').length).toBe(n);
      for (const s of sub.slices) {
        expect(s.spacingMm[0]).toBeGreaterThanOrEqual(1.8);
        expect(s.spacingMm[0]).toBeLessThanOrEqual(2.1);
        expect(Math.abs(s.rows - 200)).toBeLessThanOrEqual(8);
        expect(Math.abs(s.cols - 180)).toBeLessThanOrEqual(8);
        expect(s.image.length).toBe(s.rows * s.cols);
        expect(s.label.every((v) => v <= 3)).toBe(true);
        expect(s.image.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
      }
    }
  });

  it('mid-ventricular ED areas are in adult ranges (LV 45–55 mm cavity, 6–10 mm wall)', () => {
    for (const sub of subjects) {
      const ed = phaseSlices(sub, 'ED');
      const mid = ed[Math.round((ed.length - 1) / 2)];
      // cavity π/4·D²·ratio with D 45–55 mm, ratio 0.85–1, slice at position ≈ 0.5 ± 0.06
      expect(areaMm2(mid, 3)).toBeGreaterThan(1000);
      expect(areaMm2(mid, 3)).toBeLessThan(2900);
      // ring ≈ 2πRw + πw²: 2π·21·6 ≈ 800 to 2π·29·10 + 100π ≈ 2150
      expect(areaMm2(mid, 2)).toBeGreaterThan(600);
      expect(areaMm2(mid, 2)).toBeLessThan(2600);
      expect(areaMm2(mid, 1)).toBeGreaterThan(300);
    }
  });

  it('LV cavity is enclosed by myocardium (open ring allowed only on the basal slice)', () => {
    for (const sub of subjects) {
      for (const s of sub.slices) {
        const { leaks, boundary } = lvLeaks(s);
        if (s.sliceIndex > 0) expect(leaks).toBe(0);
        else expect(leaks).toBeLessThanOrEqual(0.35 * boundary);
      }
    }
  });

  it('RV lies on the septal side (image left), is absent in the last slice', () => {
    for (const sub of subjects) {
      for (const s of sub.slices) {
        if (s.sliceIndex === s.sliceCount - 1) expect(areaMm2(s, 1)).toBe(0);
        if (s.sliceIndex <= s.sliceCount / 2) {
          expect(areaMm2(s, 1)).toBeGreaterThan(0);
          expect(centroidCol(s, 1)).toBeLessThan(centroidCol(s, 3));
        }
      }
    }
  });

  it('ED LV is larger than ES, base larger than apex, blood brighter than myocardium', () => {
    for (const sub of subjects) {
      const ed = phaseSlices(sub, 'ED');
      const es = phaseSlices(sub, 'ES');
      const edTotal = ed.reduce((a, s) => a + areaMm2(s, 3), 0);
      const esTotal = es.reduce((a, s) => a + areaMm2(s, 3), 0);
      const ef = 1 - esTotal / edTotal;
      expect(ef).toBeGreaterThan(0.45);
      expect(ef).toBeLessThan(0.8);
      ed.forEach((s, k) => expect(areaMm2(s, 3)).toBeGreaterThan(areaMm2(es[k], 3)));
      expect(areaMm2(ed[0], 3)).toBeGreaterThan(2 * areaMm2(ed[ed.length - 1], 3));
      const apexD = 2 * Math.sqrt(areaMm2(ed[ed.length - 1], 3) / Math.PI);
      expect(apexD).toBeGreaterThan(3);
      expect(apexD).toBeLessThan(17);
      const midSlice = ed[Math.round((ed.length - 1) / 2)];
      expect(meanOver(midSlice, 3)).toBeGreaterThan(1.8 * meanOver(midSlice, 2));
      expect(meanOver(midSlice, 1)).toBeGreaterThan(1.8 * meanOver(midSlice, 2));
    }
  });
});

describe('phantom site B', () => {
  const subjects = generatePhantomDataset({ site: 'B', subjects: 5, seed: 3 });
  it('has 0.7–1.9 mm pixels, 150–260 matrices and 20 % of each group', () => {
    for (const sub of subjects) {
      const s = sub.slices[0];
      expect(s.spacingMm[0]).toBeGreaterThanOrEqual(0.7);
      expect(s.spacingMm[0]).toBeLessThanOrEqual(1.9);
      for (const d of [s.rows, s.cols]) {
        expect(d).toBeGreaterThanOrEqual(150);
        expect(d).toBeLessThanOrEqual(260);
      }
    }
    const counts = Object.fromEntries(PHANTOM_GROUPS.map((g) => [g, subjects.filter((s) => s.group === g).length]));
    expect(counts).toEqual({ NOR: 1, DCM: 1, HCM: 1, MINF: 1, ARV: 1 });
  });
  it('DCM cavities are larger and less contractile than HCM cavities', () => {
    const edVol = (sub: Subject) =>
      phaseSlices(sub, 'ED').reduce((a, s) => a + areaMm2(s, 3), 0) / phaseSlices(sub, 'ED').length;
    const ef = (sub: Subject) =>
      1 -
      phaseSlices(sub, 'ES').reduce((a, s) => a + areaMm2(s, 3), 0) /
        phaseSlices(sub, 'ED').reduce((a, s) => a + areaMm2(s, 3), 0);
    const dcm = subjects.filter((s) => s.group === 'DCM');
    const hcm = subjects.filter((s) => s.group === 'HCM');
    for (const d of dcm)
      for (const h of hcm) {
        expect(edVol(d)).toBeGreaterThan(edVol(h));
        expect(ef(d)).toBeLessThan(ef(h));
      }
  });
});

describe('assignSplits', () => {
  it('splits by subject with the requested fractions, seeded', () => {
    const s = assignSplits(20, { train: 0.7, val: 0.1, test: 0.2 }, 1);
    expect(s.filter((x) => x === 'TRAIN').length).toBe(14);
    expect(s.filter((x) => x === 'VAL').length).toBe(2);
    expect(s.filter((x) => x === 'TEST').length).toBe(4);
    expect(assignSplits(20, { train: 0.7, val: 0.1, test: 0.2 }, 1)).toEqual(s);
    expect(assignSplits(20, { train: 0.7, val: 0.1, test: 0.2 }, 2)).not.toEqual(s);
    expect(assignSplits(5, { train: 0, val: 0, test: 1 }, 1)).toEqual(Array(5).fill('TEST'));
    expect(() => assignSplits(5, { train: -1, val: 0, test: 1 }, 1)).toThrow(/split fractions/);
  });
  it('dataset subjects carry their split', () => {
    const ds = generatePhantomDataset({ site: 'A', subjects: 3, seed: 1, splits: { train: 1, val: 1, test: 1 } });
    expect(ds.map((s) => s.split).sort()).toEqual(['TEST', 'TRAIN', 'VAL']);
  });
  it('extra test subjects come after the split ones, all TEST, and change nothing before them', () => {
    const splits = { train: 1, val: 1, test: 1 };
    const base = generatePhantomDataset({ site: 'A', subjects: 3, seed: 1, splits });
    const more = generatePhantomDataset({ site: 'A', subjects: 3, seed: 1, splits, extraTestSubjects: 2 });
    expect(more.map((s) => s.id)).toEqual(['patient001', 'patient002', 'patient003', 'patient004', 'patient005']);
    expect(more.slice(0, 3).map((s) => s.split)).toEqual(base.map((s) => s.split));
    expect(more.slice(3).map((s) => s.split)).toEqual(['TEST', 'TEST']);
    expect(Buffer.from(more[0].slices[0].image.buffer).equals(Buffer.from(base[0].slices[0].image.buffer))).toBe(true);
    expect(() => generatePhantomDataset({ site: 'A', subjects: 3, seed: 1, extraTestSubjects: -1 })).toThrow(
      /extraTestSubjects/,
    );
  });
});

describe('sampleSubjects', () => {
  it('a seeded sample, sorted, independent of the input order; count ≥ n keeps all', () => {
    const ids = ['p5', 'p1', 'p4', 'p2', 'p3'];
    const a = sampleSubjects(ids, 2, 7);
    expect(a).toHaveLength(2);
    expect([...a].sort()).toEqual(a);
    expect(a.every((id) => ids.includes(id))).toBe(true);
    expect(sampleSubjects([...ids].reverse(), 2, 7)).toEqual(a);
    // Some other seed draws another pair (10 pairs in all).
    expect([1, 2, 3, 4, 5, 6, 8, 9].some((seed) => sampleSubjects(ids, 2, seed).join() !== a.join())).toBe(true);
    expect(sampleSubjects(ids, 9, 7)).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
    expect(() => sampleSubjects(ids, 0, 7)).toThrow(/count/);
  });
});
