import { createRng, deriveSeed } from '../../../src/engine/random';

describe('seeded random streams', () => {
  it('same seed and keys give the same sequence; different seeds differ', () => {
    const a = createRng(42, 'x');
    const b = createRng(42, 'x');
    const c = createRng(43, 'x');
    const sa = Array.from({ length: 20 }, () => a.uniform());
    expect(Array.from({ length: 20 }, () => b.uniform())).toEqual(sa);
    expect(Array.from({ length: 20 }, () => c.uniform())).not.toEqual(sa);
  });
  it('a child stream depends only on seed and key, not on what the parent drew', () => {
    const p1 = createRng('s');
    const p2 = createRng('s');
    for (let i = 0; i < 100; i++) p2.uniform();
    expect(p1.child('k').uniform()).toBe(p2.child('k').uniform());
    expect(p1.child('k').uniform()).toBe(createRng('s', 'k').uniform());
    expect(p1.child('k').seed).toBe(deriveSeed('s', 'k'));
    expect(p1.child('k').uniform()).not.toBe(p1.child('j').uniform());
  });
  it('uniform, range and int stay in bounds; int hits both ends', () => {
    const r = createRng(1);
    const seen = new Set<number>();
    for (let i = 0; i < 5000; i++) {
      const u = r.uniform();
      expect(u >= 0 && u < 1).toBe(true);
      const x = r.range(-3, 5);
      expect(x >= -3 && x < 5).toBe(true);
      seen.add(r.int(2, 4));
    }
    expect([...seen].sort()).toEqual([2, 3, 4]);
  });
  it('normal has the requested mean and standard deviation', () => {
    const r = createRng(7);
    const n = 40000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = r.normal(2, 3);
      s += x;
      s2 += x * x;
    }
    const mean = s / n;
    const sd = Math.sqrt(s2 / n - mean * mean);
    expect(Math.abs(mean - 2)).toBeLessThan(0.06); // 4 standard errors (3 / √40000 = 0.015)
    expect(Math.abs(sd - 3)).toBeLessThan(0.05);
  });
  it('shuffle is a seeded permutation', () => {
    const items = Array.from({ length: 30 }, (_, i) => i);
    const s1 = createRng(5).shuffle(items);
    expect(s1.slice().sort((a, b) => a - b)).toEqual(items);
    expect(createRng(5).shuffle(items)).toEqual(s1);
    expect(s1).not.toEqual(items);
  });
});
