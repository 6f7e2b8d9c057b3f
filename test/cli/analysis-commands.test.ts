/**
 * The analysis commands as users run them: `node bin/cardiac-uq.js metrics|uncertainty|qc` on small
 * files written here, JSON compared with values computed by hand (arithmetic in the comments), and
 * bad input giving exit code 2, a message on stderr and nothing on stdout.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'fflate';
import { writeNifti } from '../../src/engine/io/nifti';
import { writeNpy } from '../../src/engine/io/npy';

const root = join(__dirname, '..', '..');
let dir: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile('node', [join(root, 'bin', 'cardiac-uq.js'), ...args], { cwd: dir }, (error, stdout, stderr) => {
      const code = error ? ((error as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}

async function json(...args: string[]): Promise<Record<string, unknown>> {
  const r = await cli(...args, '--json');
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function expectBadInput(pattern: RegExp, ...args: string[]): Promise<void> {
  const r = await cli(...args, '--json');
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(pattern);
}

/** Row-major label slices (rows = x, cols = y) → x-fastest NIfTI bytes. */
function labelVolume(slices: number[][][], spacing: number[], datatype: 'uint8' | 'float32' = 'uint8'): Uint8Array {
  const nx = slices[0].length;
  const ny = slices[0][0].length;
  const data = new Float32Array(nx * ny * slices.length);
  slices.forEach((s, z) => s.forEach((row, x) => row.forEach((v, y) => (data[x + nx * (y + ny * z)] = v))));
  return writeNifti({ dims: [nx, ny, slices.length], spacingMm: spacing, data }, { datatype });
}

function file(name: string, bytes: Uint8Array | string): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

const blank = () => Array.from({ length: 5 }, () => new Array(6).fill(0));
function paint(cells: Array<[number, number]>, v: number, base = blank()): number[][] {
  for (const [x, y] of cells) base[x][y] = v;
  return base;
}
const square = (x0: number, y0: number) => {
  const c: Array<[number, number]> = [];
  for (let x = x0; x < x0 + 3; x++) for (let y = y0; y < y0 + 3; y++) c.push([x, y]);
  return c;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cuq-analysis-'));
  // 5×6×3, spacing x 2 mm, y 3 mm, z 8 mm.
  // z0: LV pred (2,2), gt (2,3); RV only in gt at (0,0); MYO nowhere.
  // z1: LV pred = 3×3 square at rows 1–3 cols 1–3, gt = the same at cols 2–4.
  // z2: empty everywhere.
  const predZ0 = paint([[2, 2]], 3);
  const gtZ0 = paint([[0, 0]], 1, paint([[2, 3]], 3));
  file('pred.nii.gz', labelVolume([predZ0, paint(square(1, 1), 3), blank()], [2, 3, 8]));
  file('gt.nii.gz', labelVolume([gtZ0, paint(square(1, 2), 3), blank()], [2, 3, 8]));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('cardiac-uq metrics', () => {
  it('prints per-slice Dice, ASSD, HD, HD95 in mm from the header spacing', async () => {
    const out = (await json('metrics', '--pred', 'pred.nii.gz', '--gt', 'gt.nii.gz')) as {
      slices: Array<Record<string, unknown>>;
    };
    expect(out.slices).toHaveLength(3);
    const [z0, z1, z2] = out.slices;
    // z0 LV: single pixels one column apart → 3 mm; Dice 0
    expect(z0).toMatchObject({ z: 0, LV: { dice: 0, assd: 3, hd: 3, hd95: 3, status: 'OK' } });
    expect(z0.MYO).toEqual({ dice: 1, assd: 0, hd: 0, hd95: 0, status: 'BOTH_EMPTY' });
    expect(z0.RV).toEqual({ dice: 0, assd: null, hd: null, hd95: null, status: 'PRED_EMPTY' });
    // z1 LV: |A∩B| = 6 → Dice 12/18. Rings of 8; A→B: (1,1),(2,1),(3,1) 3 mm (one column),
    // (2,3) 2 mm (one row, to (1,3)), four on ∂B 0 → Σ 11; B→A likewise Σ 11.
    // ASSD = 22/16 = 1.375; HD = 3; HD95: sorted [0×8, 2, 2, 3×6], h = 14.25 → 3.
    const lv = z1.LV as Record<string, number>;
    expect(lv.dice).toBeCloseTo(2 / 3, 12);
    expect(lv.assd).toBeCloseTo(1.375, 12);
    expect(lv.hd).toBe(3);
    expect(lv.hd95).toBe(3);
    expect(z2).toMatchObject({
      LV: { status: 'BOTH_EMPTY' },
      MYO: { status: 'BOTH_EMPTY' },
      RV: { status: 'BOTH_EMPTY' },
    });
  });

  it('follows --labels and prints a readable table without --json', async () => {
    // LV=1: z0 LV is now the gt-only pixel (0,0) → PRED_EMPTY; RV=3 → the former LV numbers
    const out = (await json(
      'metrics',
      '--pred',
      'pred.nii.gz',
      '--gt',
      'gt.nii.gz',
      '--labels',
      'LV=1,MYO=2,RV=3',
    )) as {
      slices: Array<Record<string, { status: string; assd: number | null }>>;
    };
    expect(out.slices[0].LV.status).toBe('PRED_EMPTY');
    expect(out.slices[0].RV.assd).toBe(3);
    const table = await cli('metrics', '--pred', 'pred.nii.gz', '--gt', 'gt.nii.gz');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/LV dice/);
    expect(table.stdout.split('\n').filter((l) => /^\s+\d+ \|/.test(l))).toHaveLength(3);
  });

  it('refuses bad input with exit code 2', async () => {
    const gtBytes = gunzipSync(labelVolume([blank()], [1, 1, 1], 'float32'));
    const nan = gtBytes.slice();
    new DataView(nan.buffer).setFloat32(352 + 4 * 7, NaN, true);
    file('nan.nii', nan);
    const huge = gtBytes.slice();
    for (const i of [0, 1, 2]) new DataView(huge.buffer).setInt16(42 + 2 * i, 30000, true);
    file('huge.nii', huge);
    file('broken.nii.gz', Uint8Array.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]));
    file('magic.nii', new Uint8Array(400).fill(7));
    file(
      'other-shape.nii.gz',
      labelVolume(
        [
          paint([], 0, [
            [0, 0],
            [0, 0],
          ]),
        ],
        [2, 3, 8],
      ),
    );
    file('bad-label.nii.gz', labelVolume([paint([[1, 1]], 5), blank(), blank()], [2, 3, 8]));
    await Promise.all([
      expectBadInput(/not found/, 'metrics', '--pred', 'missing.nii.gz', '--gt', 'gt.nii.gz'),
      expectBadInput(/gzip/, 'metrics', '--pred', 'broken.nii.gz', '--gt', 'gt.nii.gz'),
      expectBadInput(/magic/, 'metrics', '--pred', 'magic.nii', '--gt', 'gt.nii.gz'),
      expectBadInput(
        /5×6×3 but ground truth is 2×2×1/,
        'metrics',
        '--pred',
        'pred.nii.gz',
        '--gt',
        'other-shape.nii.gz',
      ),
      expectBadInput(/value 5 .* not in the label map/, 'metrics', '--pred', 'bad-label.nii.gz', '--gt', 'gt.nii.gz'),
      expectBadInput(/NaN/, 'metrics', '--pred', 'nan.nii', '--gt', 'nan.nii'),
      expectBadInput(/voxels/, 'metrics', '--pred', 'huge.nii', '--gt', 'huge.nii'),
      expectBadInput(
        /--labels/,
        'metrics',
        '--pred',
        'pred.nii.gz',
        '--gt',
        'gt.nii.gz',
        '--labels',
        'LV=1,RV=1,MYO=2',
      ),
      expectBadInput(/--gt/, 'metrics', '--pred', 'pred.nii.gz'),
    ]);
  });
});

describe('cardiac-uq uncertainty', () => {
  // 1×2 image, T = 2, C = 4 one-hot. Pixel y=0: t0 class 3, t1 class 0 → p̄ = [.5,0,0,.5]:
  // H = ln 2, MI = ln 2 − 0; S̄ = 0 (tie → lowest). Pixel y=1: class 3 twice → H = MI = 0, S̄ = 3.
  // entropy = mi = ln2/2. LV (3): S̄ = {y1}; S_0 = {y0,y1}: Dice 2/3, ASSD = (sy + 0 + 0)/3;
  // S_1 = S̄: Dice 1, ASSD 0 → dice_within 5/6, assd_within sy/6 (= 0.5 for sy = 3).
  // MYO, RV absent everywhere → dice_within 1, assd_within 0.
  beforeAll(() => {
    const s = new Float32Array(2 * 2 * 4);
    s[0 * 4 + 3] = 1; // t0 y0
    s[1 * 4 + 3] = 1; // t0 y1
    s[2 * 4 + 0] = 1; // t1 y0
    s[3 * 4 + 3] = 1; // t1 y1
    file('s.npy', writeNpy([2, 1, 2, 4], s));
    // gt: both pixels LV, header spacing 2 × 3 mm
    file('g.nii.gz', labelVolume([[[3, 3]]], [2, 3, 1]));
  });

  it('entropy, MI and within-sample measures with --spacing', async () => {
    const out = (await json('uncertainty', '--samples', 's.npy', '--spacing', '2,3')) as Record<string, any>;
    expect(out.entropy).toBeCloseTo(Math.LN2 / 2, 12);
    expect(out.mi).toBeCloseTo(Math.LN2 / 2, 12);
    expect(out.nll).toBeUndefined();
    expect(out.brier).toBeUndefined();
    expect(out.LV.dice_within).toBeCloseTo(5 / 6, 12);
    expect(out.LV.assd_within).toBeCloseTo(0.5, 12);
    expect(out.MYO).toMatchObject({ dice_within: 1, assd_within: 0 });
    expect(out.RV).toMatchObject({ dice_within: 1, assd_within: 0 });
  });

  it('adds NLL, Brier and ECE with --gt and takes its spacing', async () => {
    // NLL = (−ln .5 − ln 1)/2 = ln2/2. Brier = ((.5)² + (.5 − 1)² + 0)/2 = 0.25.
    // ECE (15 bins): y0 conf .5 wrong → |0 − .5|; y1 conf 1 right → 0; (0.5)/2 = 0.25.
    const out = (await json('uncertainty', '--samples', 's.npy', '--gt', 'g.nii.gz')) as Record<string, any>;
    expect(out.nll).toBeCloseTo(Math.LN2 / 2, 12);
    expect(out.brier).toBeCloseTo(0.25, 12);
    expect(out.ece).toBeCloseTo(0.25, 12);
    expect(out.LV.assd_within).toBeCloseTo(0.5, 12);
    const table = await cli('uncertainty', '--samples', 's.npy', '--gt', 'g.nii.gz');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/mutual information\s+0\.346574/);
  });

  it('refuses bad input with exit code 2', async () => {
    const nan = new Float32Array(8).fill(0.25);
    nan[5] = NaN;
    file('nan.npy', writeNpy([1, 1, 2, 4], nan));
    file('unnormalised.npy', writeNpy([1, 1, 2, 4], new Float32Array(8).fill(0.5)));
    file('three-d.npy', writeNpy([2, 2, 2], new Float32Array(8).fill(0.5)));
    file('wrong-magic.npy', 'this is not numpy at all');
    file('g-shape.nii.gz', labelVolume([[[3], [3]]], [2, 3, 1]));
    file('g-label.nii.gz', labelVolume([[[3, 9]]], [2, 3, 1]));
    await Promise.all([
      expectBadInput(/spacing is required/, 'uncertainty', '--samples', 's.npy'),
      expectBadInput(/not found/, 'uncertainty', '--samples', 'nope.npy', '--spacing', '1,1'),
      expectBadInput(/NaN/, 'uncertainty', '--samples', 'nan.npy', '--spacing', '1,1'),
      expectBadInput(/sum to 2/, 'uncertainty', '--samples', 'unnormalised.npy', '--spacing', '1,1'),
      expectBadInput(/\[T, H, W, C\]/, 'uncertainty', '--samples', 'three-d.npy', '--spacing', '1,1'),
      expectBadInput(/magic/, 'uncertainty', '--samples', 'wrong-magic.npy', '--spacing', '1,1'),
      expectBadInput(/2×1 .* 1×2/, 'uncertainty', '--samples', 's.npy', '--gt', 'g-shape.nii.gz'),
      expectBadInput(/value 9/, 'uncertainty', '--samples', 's.npy', '--gt', 'g-label.nii.gz'),
      expectBadInput(/--spacing/, 'uncertainty', '--samples', 's.npy', '--spacing', '1,-2'),
    ]);
  });
});

describe('cardiac-uq qc', () => {
  it('curve, AUC and review fraction by hand, ties flagged together', async () => {
    // scores 0.9 (poor), 0.5 (ok), 0.5 (poor), 0.1 (ok): N = 4, P = 2
    // points (0,.5) (.25,.25) (.75,0) (1,0); AUC = .25·.75/2 + .5·.25/2 = 0.15625; ≤5 % at .75
    file('scores.csv', 'uncertainty,poor\n0.9,1\n0.5,false\n0.5,TRUE\n0.1,0\n');
    const out = await json('qc', '--scores', 'scores.csv');
    expect(out.points).toEqual([
      [0, 0.5],
      [0.25, 0.25],
      [0.75, 0],
      [1, 0],
    ]);
    expect(out.auc).toBeCloseTo(0.15625, 12);
    expect(out.review_at_5pct).toBe(0.75);
    const table = await cli('qc', '--scores', 'scores.csv');
    expect(table.stdout).toMatch(/AUC 0\.1563/);
  });

  it('failure-detection figures by hand: risk = poor and risk = 1 − Dice, ties averaged', async () => {
    // accepted in ascending u: .1 (good), the tied .5 pair (one poor), .9 (poor): expected accepted
    // poor S = 0, ½, 1, 2 → selective risk 0, ¼, ⅓, ½ at coverage ¼..1 (trapezoid / (1 − 1/N))
    //   AURC = ¼·(⅛ + 7/24 + 5/12)/(¾) = 5/18; optimal 0, 0, ⅓, ½ → 7/36; E-AURC = 1/12
    //   AUGRC: S/4 = 0, ⅛, ¼, ½ → ¼·(1/16 + 3/16 + 6/16)/(¾) = 5/24
    //   AUROC: poor {.9, .5} over good {.5, .1}: 3 wins + 1 tie of 4 pairs = .875
    // 1 − Dice in u order: .1, {.3, .5}, .8 → S = .1, .5, .9, 1.7 → r = .1, .25, .3, .425
    //   AURC = ¼·(.175 + .275 + .3625)/(¾) = .8125/3; optimal .1, .2, .3, .425 → .7625/3
    //   AUGRC: .025, .125, .225, .425 → ¼·(.075 + .175 + .325)/(¾) = .575/3
    file('dice.csv', 'uncertainty,poor,dice\n0.9,1,0.2\n0.5,0,0.7\n0.5,1,0.5\n0.1,0,0.9\n');
    const out = await json('qc', '--scores', 'dice.csv');
    expect(out.auc).toBeCloseTo(0.15625, 12);
    expect(out.aurc).toBeCloseTo(5 / 18, 12);
    expect(out.e_aurc).toBeCloseTo(1 / 12, 12);
    expect(out.augrc).toBeCloseTo(5 / 24, 12);
    expect(out.auroc).toBeCloseTo(0.875, 12);
    (out.risk_coverage as number[][]).forEach(([c, r], k) => {
      expect(c).toBe([0.25, 0.5, 0.75, 1][k]);
      expect(r).toBeCloseTo([0, 1 / 4, 1 / 3, 1 / 2][k], 12);
    });
    const d = out.one_minus_dice as Record<string, number>;
    expect(d.aurc).toBeCloseTo(0.8125 / 3, 12);
    expect(d.e_aurc).toBeCloseTo(0.05 / 3, 12);
    expect(d.augrc).toBeCloseTo(0.575 / 3, 12);
    expect(out.intervals).toBeUndefined();
    const table = await cli('qc', '--scores', 'dice.csv');
    expect(table.stdout).toMatch(/risk = poor: AURC 0\.2778, E-AURC 0\.0833, AUGRC 0\.2083; AUROC for poor 0\.8750/);
    expect(table.stdout).toMatch(/risk = 1 − Dice: AURC 0\.2708/);
  });

  it('subject bootstrap intervals: one subject is always resampled whole', async () => {
    // a single subject: every resample is the original table, so each interval is [x, x]
    file('one.csv', 'subject,uncertainty,poor\ns1,0.9,1\ns1,0.5,0\ns1,0.5,1\ns1,0.1,0\n');
    const out = await json('qc', '--scores', 'one.csv', '--resamples', '50');
    const iv = out.intervals as Record<string, number[]>;
    iv.auc.forEach((v) => expect(v).toBeCloseTo(0.15625, 12));
    expect(iv.review_at_5pct).toEqual([0.75, 0.75]);
    iv.auroc.forEach((v) => expect(v).toBeCloseTo(0.875, 12));
    expect(out.bootstrap).toEqual({ seed: 0, resamples: 50, subjects: 1, auroc_undefined: 0 });
  });

  it('subject bootstrap intervals: two subjects, resamples AA, AB, BA, BB', async () => {
    // A = {.9 poor, .1 good}, B = {.5 good, .5 poor}; AA and BB each ≈ ¼ of 1000 resamples, so the
    // 2.5 % and 97.5 % quantiles are theirs: AUROC AA 1, BB ½; QC AUC AA (0,½)(½,0)(1,0) → .125,
    // BB (0,½)(1,0) → .25; review at 5 % AA ½, BB 1
    file('two.csv', 'uncertainty,poor,subject\n0.9,1,A\n0.1,0,A\n0.5,0,B\n0.5,1,B\n');
    const a = await json('qc', '--scores', 'two.csv', '--seed', '11');
    const iv = a.intervals as Record<string, number[]>;
    expect(iv.auroc).toEqual([0.5, 1]);
    expect(iv.auc[0]).toBeCloseTo(0.125, 12);
    expect(iv.auc[1]).toBeCloseTo(0.25, 12);
    expect(iv.review_at_5pct).toEqual([0.5, 1]);
    expect(a.bootstrap).toEqual({ seed: 11, resamples: 1000, subjects: 2, auroc_undefined: 0 });
    const again = await json('qc', '--scores', 'two.csv', '--seed', '11');
    expect(again).toEqual(a);
    const help = await cli('qc', '--help');
    for (const option of [/--seed <n>/, /--resamples <n>/, /"subject"/, /"dice"/]) expect(help.stdout).toMatch(option);
  });

  it('refuses malformed CSV with exit code 2', async () => {
    file('ragged.csv', 'uncertainty,poor\n0.1,1,7\n');
    file('dice-range.csv', 'uncertainty,poor,dice\n0.1,1,1.5\n');
    file('no-subject.csv', 'uncertainty,poor,subject\n0.1,1,\n');
    file('header.csv', 'score,poor\n0.1,1\n');
    file('poor.csv', 'uncertainty,poor\n0.1,maybe\n');
    file('number.csv', 'uncertainty,poor\nabc,1\n');
    file('empty.csv', '');
    await Promise.all([
      expectBadInput(/malformed CSV/, 'qc', '--scores', 'ragged.csv'),
      expectBadInput(/expected columns "uncertainty" and "poor"/, 'qc', '--scores', 'header.csv'),
      expectBadInput(/line 2: poor "maybe"/, 'qc', '--scores', 'poor.csv'),
      expectBadInput(/line 2: uncertainty "abc"/, 'qc', '--scores', 'number.csv'),
      expectBadInput(/empty/, 'qc', '--scores', 'empty.csv'),
      expectBadInput(/not found/, 'qc', '--scores', 'absent.csv'),
      expectBadInput(/line 2: dice "1.5" must be a number in \[0, 1\]/, 'qc', '--scores', 'dice-range.csv'),
      expectBadInput(/line 2: subject is empty/, 'qc', '--scores', 'no-subject.csv'),
      expectBadInput(/--resamples must be an integer ≥ 1/, 'qc', '--scores', 'number.csv', '--resamples', '0'),
      expectBadInput(/--seed must be an integer ≥ 0/, 'qc', '--scores', 'number.csv', '--seed', 'x'),
    ]);
  });
});

describe('--help', () => {
  it.each(['metrics', 'uncertainty', 'qc'])('%s --help describes the options', async (cmd) => {
    const r = await cli(cmd, '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`Usage: cardiac-uq ${cmd}`));
    expect(r.stdout).toMatch(/--json/);
  });
});
