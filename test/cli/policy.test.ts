/**
 * `cardiac-uq policy` through the real CLI: the threshold against a brute force over every
 * candidate on a CSV with ties, its review fraction against `cardiac-uq qc` on the same file, the
 * "flag nothing" case, the recorded checkpoint, and bad input (exit 2, nothing written).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import seedrandom from 'seedrandom';
import { runCli } from '../support/cli';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-cli-policy-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const cli = (...args: string[]) => runCli(dir, ...args);
const readJson = (name: string) => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));

describe('cardiac-uq policy', () => {
  // 40 cases on 8 score levels (ties), about a third poor.
  const rnd = seedrandom('policy-cli');
  const rows = Array.from({ length: 40 }, () => ({ u: Math.floor(rnd() * 8) / 8, poor: rnd() < 0.35 }));
  const csv = 'case,uncertainty,poor\n' + rows.map((r, i) => `c${i},${r.u},${r.poor ? 1 : 0}`).join('\n') + '\n';

  /** Largest candidate threshold (fewest flagged) leaving ≤ target·N poor unflagged; null = none needed. */
  function brute(target: number) {
    const n = rows.length;
    for (const t of [null, ...[...new Set(rows.map((r) => r.u))].sort((a, b) => b - a)]) {
      const flagged = rows.filter((r) => t !== null && r.u >= t);
      const left = rows.filter((r) => r.poor && !(t !== null && r.u >= t)).length;
      if (left <= target * n + 1e-9)
        return { threshold: t, fractions: { review_fraction: flagged.length / n, poor_left: left / n } };
    }
    throw new Error('unreachable');
  }

  it('writes the threshold a brute force finds, with the review fraction `qc` reports', async () => {
    fs.writeFileSync(path.join(dir, 's.csv'), csv);
    const [p5, p10, q] = await Promise.all([
      cli(
        'policy',
        '--scores',
        's.csv',
        '--target',
        '0.05',
        '--measure',
        'mi',
        '--structure',
        'myo',
        '--out',
        'p5.json',
      ),
      cli('policy', '--scores', 's.csv', '--target', '0.1', '--out', 'p10.json'),
      cli('qc', '--scores', 's.csv', '--json'),
    ]);
    expect([p5.code, p10.code, q.code]).toEqual([0, 0, 0]);
    expect(p5.stderr).not.toMatch(/cardiac-uq: /);
    const b5 = brute(0.05);
    expect(b5.threshold).not.toBeNull();
    expect(readJson('p5.json')).toEqual({
      rules: [{ structure: 'MYO', measure: 'MI', threshold: b5.threshold }],
      target: 0.05,
      ...b5.fractions,
    });
    expect(readJson('p5.json').review_fraction).toBe(JSON.parse(q.stdout).review_at_5pct);
    // Defaults: LV, ASSD_WITHIN.
    const b10 = brute(0.1);
    expect(readJson('p10.json')).toEqual({
      rules: [{ structure: 'LV', measure: 'ASSD_WITHIN', threshold: b10.threshold }],
      target: 0.1,
      ...b10.fractions,
    });
    expect(p5.stdout).toMatch(/flag MYO MI ≥/);
  });

  it('writes threshold null with review fraction 0 when the target holds without review', async () => {
    fs.writeFileSync(path.join(dir, 'few.csv'), 'uncertainty,poor\n0.3,1\n0.2,0\n0.1,0\n0.4,false\n');
    const r = await cli(
      'policy',
      '--scores',
      'few.csv',
      '--target',
      '0.25',
      '--measure',
      'DICE_WITHIN',
      '--out',
      'none.json',
    );
    expect(r.code).toBe(0);
    expect(readJson('none.json')).toEqual({
      rules: [{ structure: 'LV', measure: 'DICE_WITHIN', threshold: null }],
      target: 0.25,
      review_fraction: 0,
      poor_left: 0.25,
    });
  });

  it("records the checkpoint it was made for (an ensemble: SHA-256 of the members' hashes)", async () => {
    const sha = (c: string) => c.repeat(64);
    const meta = (h: string) => JSON.stringify({ format: 'cardiac-uq-checkpoint/1', weightsSha256: h });
    fs.mkdirSync(path.join(dir, 'ck'));
    fs.writeFileSync(path.join(dir, 'ck', 'meta.json'), meta(sha('a')));
    fs.mkdirSync(path.join(dir, 'ens', 'member-0'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'ens', 'member-1'));
    fs.writeFileSync(
      path.join(dir, 'ens', 'ensemble.json'),
      JSON.stringify({ format: 'cardiac-uq-checkpoint/1', method: 'ensemble', members: ['member-0', 'member-1'] }),
    );
    fs.writeFileSync(path.join(dir, 'ens', 'member-0', 'meta.json'), meta(sha('b')));
    fs.writeFileSync(path.join(dir, 'ens', 'member-1', 'meta.json'), meta(sha('c')));
    const [a, e] = await Promise.all([
      cli('policy', '--scores', 's.csv', '--checkpoint', 'ck', '--out', 'pc.json'),
      cli('policy', '--scores', 's.csv', '--checkpoint', 'ens', '--out', 'pe.json'),
    ]);
    expect([a.code, e.code]).toEqual([0, 0]);
    expect(readJson('pc.json').checkpoint_sha256).toBe(sha('a'));
    const { createHash } = await import('node:crypto');
    expect(readJson('pe.json').checkpoint_sha256).toBe(
      createHash('sha256')
        .update(`${sha('b')},${sha('c')}`)
        .digest('hex'),
    );
  });

  it('exits 2 and writes nothing on bad input', async () => {
    fs.writeFileSync(path.join(dir, 'bad.csv'), 'uncertainty,poor\n0.1,maybe\n');
    const cases = [
      ['--scores', 's.csv', '--target', '1.5'],
      ['--scores', 's.csv', '--target', 'x'],
      ['--scores', 's.csv', '--measure', 'HD'],
      ['--scores', 's.csv', '--structure', 'LA'],
      ['--scores', 'bad.csv'],
      ['--scores', 'missing.csv'],
      ['--scores', 's.csv', '--checkpoint', 'no-such-ckpt'],
    ];
    const runs = await Promise.all(cases.map((c, i) => cli('policy', ...c, '--out', `bad${i}.json`)));
    runs.forEach((r, i) => {
      expect([i, r.code, r.stderr.length > 0]).toEqual([i, 2, true]);
      expect(fs.existsSync(path.join(dir, `bad${i}.json`))).toBe(false);
    });
    expect(runs[0].stderr).toMatch(/--target/);
    expect(runs[2].stderr).toMatch(/--measure "HD"/);
    expect(runs[4].stderr).toMatch(/poor "maybe"/);
  });
});
