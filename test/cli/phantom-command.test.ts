import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePhantomSubject } from '../../src/engine/data/phantom';
import { readAcdcFolder } from '../../src/engine/io/acdc-import';

const BIN = join(__dirname, '..', '..', 'bin', 'cardiac-uq.js');
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, 'phantom', ...args], { encoding: 'utf8' });

describe('cardiac-uq phantom', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'phantom-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes an ACDC-layout folder the importer reads back, equal to the generator output', () => {
    const out = join(dir, 'a');
    const r = run('--out', out, '--site', 'A', '--subjects', '2', '--seed', '9', '--no-progress');
    expect(r.stderr).toContain('wrote 2 site-A subjects');
    expect(r.status).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['patient001', 'patient002']);
    expect(readdirSync(dir).filter((f) => f.includes('partial'))).toEqual([]);
    const subjects = readAcdcFolder(out);
    const direct = generatePhantomSubject('A', 1, '9');
    expect(subjects[1].slices.length).toBe(direct.slices.length);
    expect(subjects[1].site).toBe('A');
    expect(Buffer.from(subjects[1].slices[3].image.buffer).equals(Buffer.from(direct.slices[3].image.buffer))).toBe(
      true,
    );
    expect(Buffer.from(subjects[1].slices[3].label!).equals(Buffer.from(direct.slices[3].label))).toBe(true);
  });

  it('exits 2 with a clear message on bad input and writes nothing', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--site', 'C', '--out', join(dir, 'x')], /--site must be A or B/],
      [['--subjects', '0', '--out', join(dir, 'x')], /--subjects must be an integer/],
      [['--subjects', 'many', '--out', join(dir, 'x')], /--subjects must be an integer/],
      [['--site', 'A'], /missing required option --out/],
      [['--out', join(dir, 'no', 'such', 'parent')], /parent folder/],
      [['--out', join(dir, 'x'), '--splits', '1,2'], /--splits/],
    ];
    for (const [args, message] of cases) {
      const r = run(...args, '--no-progress');
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(join(dir, 'x'))).toBe(false);
    const full = join(dir, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'keep.txt'), 'x');
    const r = run('--out', full, '--no-progress');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not empty/);
    expect(readdirSync(full)).toEqual(['keep.txt']);
  });

  it('prints help', () => {
    const r = run('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/--out <dir>/);
    expect(r.stdout).toMatch(/--site/);
  });
});
