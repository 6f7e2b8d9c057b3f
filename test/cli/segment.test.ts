/**
 * `cardiac-uq segment` through the real CLI, on a tiny MC Dropout U-Net trained in-test and
 * hand-assembled oblique NIfTI volumes (ED 3 slices, ES 2, larger than the network's crop):
 * outputs in the input geometry (header bytes cut out independently), the qc.json contract, policy
 * flags against the thresholds applied by hand to qc.json's values, biomarker point values against
 * `cardiac-uq biomarkers` on the written label volumes, the posterior intervals against samples
 * drawn slice by slice by `cardiac-uq predict` (coherent draws), and bad input: exit 2, nothing
 * written.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { initBackend } from '../../src/engine/backend';
import { volumeFromSlices } from '../../src/engine/io/nifti';
import { readNpy } from '../../src/engine/io/npy';
import { trainModel } from '../../src/engine/training';
import { handMadeNifti } from '../fixtures/hand-nifti';
import { runCli } from '../support/cli';
import { geometryHex, setObliqueGeometry } from '../engine/io/geometry-bytes';
import { syntheticSet, syntheticSlice } from '../engine/training/synthetic';

jest.setTimeout(240_000);

let dir: string;
const cli = (...args: string[]) => runCli(dir, ...args);
const file = (...p: string[]) => path.join(dir, ...p);
const readJson = (...p: string[]) => JSON.parse(fs.readFileSync(file(...p), 'utf8'));
const ROWS = 104;
const COLS = 100;
const PIXDIM = [1.37, 1.41, 8.5];
const LABELS = 'RV=10,MYO=20,LV=30';
const T = 4;

/** A float32 volume of synthetic slices with an oblique geometry, as a hand-assembled NIfTI-1 file. */
function volumeFile(
  seeds: number[],
  opts: { ndim?: number; dims?: number[]; values?: (v: number[]) => number[] } = {},
): Uint8Array {
  const slices = seeds
    .map((s) => syntheticSlice(s, ROWS, COLS))
    .map((s) => ({ rows: s.rows, cols: s.cols, data: s.image }));
  const values = Array.from(volumeFromSlices(slices, PIXDIM).data);
  const dims = opts.dims ?? [ROWS, COLS, seeds.length];
  const buf = handMadeNifti({
    dims,
    ndim: opts.ndim,
    pixdim: PIXDIM,
    datatype: 16,
    bitpix: 32,
    values: opts.values ? opts.values(values) : values,
  });
  return setObliqueGeometry(buf, PIXDIM);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-cli-segment-'));
  await initBackend('wasm');
  const data = { train: syntheticSet(8, 1, ROWS, COLS), val: syntheticSet(2, 2, ROWS, COLS) };
  await trainModel({ method: 'mcd', preset: 'tiny', seed: 1, epochs: 1 }, data, { outDir: file('mcd') });
  fs.writeFileSync(file('ed.nii'), volumeFile([11, 12, 13]));
  fs.writeFileSync(file('es.nii'), volumeFile([21, 22]));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const STRUCTS = ['LV', 'MYO', 'RV'] as const;

describe('cardiac-uq segment --ed --es', () => {
  let sha: string;
  let first: { ed: any; es: any };

  it('writes label, entropy and MI volumes in the input geometry and qc.json as specified', async () => {
    const r = await cli(
      'segment',
      '--checkpoint',
      'mcd',
      '--ed',
      'ed.nii',
      '--es',
      'es.nii',
      '--samples',
      String(T),
      '--labels',
      LABELS,
      '--subject',
      'p1',
      '--out',
      'out',
    );
    expect(r.stderr).not.toMatch(/cardiac-uq: /); // no error or warning (bin/ may print a build notice)
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      slices: 5,
      flagged: null,
      samples: T,
      method: 'mcd',
      backend: 'wasm',
    });
    const names = ['seg.nii.gz', 'entropy.nii.gz', 'mi.nii.gz', 'qc.json'];
    expect(fs.readdirSync(file('out')).sort()).toEqual(
      [...names.map((n) => `ed_${n}`), ...names.map((n) => `es_${n}`), 'p1_biomarkers.json'].sort(),
    );
    sha = JSON.parse(fs.readFileSync(file('mcd', 'meta.json'), 'utf8')).weightsSha256;
    first = { ed: readJson('out', 'ed_qc.json'), es: readJson('out', 'es_qc.json') };
    for (const [phase, nz] of [
      ['ed', 3],
      ['es', 2],
    ] as const) {
      const input = geometryHex(fs.readFileSync(file(`${phase}.nii`)));
      for (const n of names.slice(0, 3))
        expect([n, geometryHex(fs.readFileSync(file('out', `${phase}_${n}`)))]).toEqual([n, input]);
      const seg = gunzipSync(fs.readFileSync(file('out', `${phase}_seg.nii.gz`)));
      expect(seg.readInt16LE(70)).toBe(2); // uint8
      expect([...new Set(seg.subarray(352))].every((v) => [0, 10, 20, 30].includes(v))).toBe(true);
      expect(seg.length).toBe(352 + ROWS * COLS * nz);
      const qc = first[phase];
      expect(Object.keys(qc)).toEqual(['slices', 'flagged', 'samples', 'checkpoint_sha256']);
      expect(qc).toMatchObject({ flagged: null, samples: T, checkpoint_sha256: sha });
      expect(qc.slices.map((s: any) => s.z)).toEqual(Array.from({ length: nz }, (_, z) => z));
      for (const s of qc.slices) {
        expect(Object.keys(s)).toEqual(['z', 'entropy', 'mi', 'LV', 'MYO', 'RV', 'flag', 'reasons']);
        expect(s.flag).toBeNull();
        expect(s.reasons).toEqual([]);
        for (const k of STRUCTS) {
          expect(Object.keys(s[k])).toEqual(['dice_within', 'assd_within']);
          expect(s[k].dice_within).toBeGreaterThanOrEqual(0);
          expect(s[k].dice_within).toBeLessThanOrEqual(1);
        }
      }
      // The float32 maps' slice means are the JSON's image means.
      for (const [n, key] of [
        ['entropy', 'entropy'],
        ['mi', 'mi'],
      ] as const) {
        const raw = gunzipSync(fs.readFileSync(file('out', `${phase}_${n}.nii.gz`)));
        expect(raw.readInt16LE(70)).toBe(16);
        const map = new Float32Array(raw.buffer.slice(raw.byteOffset + 352, raw.byteOffset + raw.length));
        for (let z = 0; z < nz; z++) {
          const m = map.subarray(z * ROWS * COLS, (z + 1) * ROWS * COLS).reduce((a, b) => a + b, 0) / (ROWS * COLS);
          expect(Math.abs(m - qc.slices[z][key])).toBeLessThan(1e-6);
        }
      }
    }
    expect(first.ed.slices.some((s: any) => s.mi > 0)).toBe(true);
  });

  it('writes biomarkers whose point values equal `cardiac-uq biomarkers` on the written label volumes', async () => {
    const b = await cli(
      'biomarkers',
      '--ed',
      'out/ed_seg.nii.gz',
      '--es',
      'out/es_seg.nii.gz',
      '--labels',
      LABELS,
      '--json',
    );
    expect(b.code).toBe(0);
    const bm = readJson('out', 'p1_biomarkers.json');
    expect(Object.keys(bm)).toEqual(['LV', 'RV', 'MYO', 'posterior', 'samples', 'checkpoint_sha256', 'ed', 'es']);
    expect({ LV: bm.LV, RV: bm.RV, MYO: bm.MYO }).toEqual(JSON.parse(b.stdout));
    expect(bm).toMatchObject({ samples: T, checkpoint_sha256: sha, ed: 'ed', es: 'es' });
    expect(Object.keys(bm.posterior)).toEqual(['LV', 'RV', 'MYO']);
    expect(Object.keys(bm.posterior.MYO)).toEqual(['mass_ed_g', 'mass_es_g']);
  });

  it('gives posterior intervals over coherent samples: predict drawing each slice alone agrees', async () => {
    // Samples of every slice from `predict` (same seed 0), argmax by hand, volumes per sample t.
    const jobs = [...[0, 1, 2].map((z) => ['ed', z] as const), ...[0, 1].map((z) => ['es', z] as const)];
    const runs = await Promise.all(
      jobs.map(([p, z]) =>
        cli(
          'predict',
          '--checkpoint',
          'mcd',
          '--image',
          `${p}.nii`,
          '--slice',
          String(z),
          '--samples',
          String(T),
          '--out',
          `${p}${z}.npy`,
        ),
      ),
    );
    expect(runs.map((r) => r.code)).toEqual(jobs.map(() => 0));
    const lvCount = { ed: new Array(T).fill(0), es: new Array(T).fill(0) };
    const myoCount = { ed: new Array(T).fill(0), es: new Array(T).fill(0) };
    for (const [p, z] of jobs) {
      const npy = readNpy(new Uint8Array(fs.readFileSync(file(`${p}${z}.npy`))));
      expect(npy.shape).toEqual([T, ROWS, COLS, 4]);
      for (let t = 0; t < T; t++) {
        for (let j = 0; j < ROWS * COLS; j++) {
          const o = (t * ROWS * COLS + j) * 4;
          let best = 0;
          for (let c = 1; c < 4; c++) if (npy.data[o + c] > npy.data[o + best]) best = c;
          if (best === 3) lvCount[p][t]++;
          if (best === 2) myoCount[p][t]++;
        }
      }
    }
    const voxelMl = (PIXDIM[0] * PIXDIM[1] * PIXDIM[2]) / 1000;
    const f32 = (v: number) => Math.fround(v);
    const vox = (f32(PIXDIM[0]) * f32(PIXDIM[1]) * f32(PIXDIM[2])) / 1000;
    expect(Math.abs(vox - voxelMl)).toBeLessThan(1e-6);
    const type7 = (xs: number[], q: number) => {
      const v = [...xs].sort((a, b) => a - b);
      const h = (v.length - 1) * q;
      const lo = Math.floor(h);
      return v[lo] + (h - lo) * (v[Math.min(lo + 1, v.length - 1)] - v[lo]);
    };
    const summary = (xs: number[]) => {
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
      return { mean, sd, q025: type7(xs, 0.025), q975: type7(xs, 0.975) };
    };
    const edv = lvCount.ed.map((n) => n * vox);
    const ef = edv.map((v, t) => (v - lvCount.es[t] * vox) / v);
    const mass = myoCount.es.map((n) => 1.05 * (n * vox));
    const post = readJson('out', 'p1_biomarkers.json').posterior;
    expect(post.LV.edv_ml.sd).toBeGreaterThan(0); // the samples differ: the check has teeth
    for (const [got, want] of [
      [post.LV.edv_ml, summary(edv)],
      [post.LV.ef, summary(ef)],
      [post.MYO.mass_es_g, summary(mass)],
    ] as const) {
      for (const k of ['mean', 'sd', 'q025', 'q975'] as const)
        expect(Math.abs(got[k] - want[k])).toBeLessThan(1e-9 * Math.max(1, Math.abs(want[k])));
    }
  });

  it("flags the slices the policy's thresholds pick when applied by hand to qc.json", async () => {
    const all = [...first.ed.slices, ...first.es.slices];
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const rules = [
      { structure: 'LV', measure: 'ENTROPY', threshold: median(all.map((s) => s.entropy)) },
      { structure: 'MYO', measure: 'DICE_WITHIN', threshold: median(all.map((s) => 1 - s.MYO.dice_within)) },
      { structure: 'RV', measure: 'MI', threshold: null },
    ];
    fs.writeFileSync(
      file('policy.json'),
      JSON.stringify({ rules, target: 0.05, review_fraction: 0.5, poor_left: 0.05, checkpoint_sha256: sha }),
    );
    const r = await cli(
      'segment',
      '--checkpoint',
      'mcd',
      '--ed',
      'ed.nii',
      '--es',
      'es.nii',
      '--samples',
      String(T),
      '--labels',
      LABELS,
      '--policy',
      'policy.json',
      '--out',
      'out2',
    );
    expect(r.code).toBe(0);
    let flagged = 0;
    for (const phase of ['ed', 'es'] as const) {
      const qc = readJson('out2', `${phase}_qc.json`);
      qc.slices.forEach((s: any, z: number) => {
        // Same seed: the same values as without the policy.
        expect({ ...s, flag: null, reasons: [] }).toEqual(first[phase].slices[z]);
        const reasons = [];
        if (s.entropy >= rules[0].threshold!)
          reasons.push({ structure: 'LV', measure: 'ENTROPY', value: s.entropy, threshold: rules[0].threshold });
        if (1 - s.MYO.dice_within >= rules[1].threshold!)
          reasons.push({
            structure: 'MYO',
            measure: 'DICE_WITHIN',
            value: 1 - s.MYO.dice_within,
            threshold: rules[1].threshold,
          });
        expect(s.reasons).toEqual(reasons);
        expect(s.flag).toBe(reasons.length > 0);
        if (s.flag) flagged++;
      });
      expect(qc.flagged).toBe(qc.slices.filter((s: any) => s.flag).length);
    }
    expect(flagged).toBeGreaterThan(0);
    expect(JSON.parse(r.stdout).flagged).toBe(flagged);
  });
});

describe('cardiac-uq segment: bad input exits 2 and writes nothing', () => {
  it('refuses each case before writing, leaving an existing DIR as it was', async () => {
    fs.writeFileSync(
      file('flat.nii'),
      handMadeNifti({
        dims: [ROWS, COLS],
        pixdim: PIXDIM,
        datatype: 16,
        bitpix: 32,
        values: new Array(ROWS * COLS).fill(0.5),
      }),
    );
    fs.writeFileSync(file('nan.nii'), volumeFile([11, 12], { values: (v) => v.map((x, i) => (i === 5000 ? NaN : x)) }));
    fs.writeFileSync(file('cine.nii'), volumeFile([11, 12], { dims: [ROWS, COLS, 1, 2] }));
    fs.writeFileSync(
      file('other-grid.nii'),
      handMadeNifti({
        dims: [ROWS, COLS - 4, 1],
        pixdim: PIXDIM,
        datatype: 16,
        bitpix: 32,
        values: new Array(ROWS * (COLS - 4)).fill(0.5),
      }),
    );
    fs.mkdirSync(file('empty-ckpt'));
    const policy = (p: unknown) => JSON.stringify(p);
    const rule = { structure: 'LV', measure: 'MI', threshold: 0.1 };
    fs.writeFileSync(file('p-bad.json'), '{"rules": [');
    fs.writeFileSync(file('p-struct.json'), policy({ rules: [{ ...rule, structure: 'LA' }] }));
    fs.writeFileSync(file('p-measure.json'), policy({ rules: [{ ...rule, measure: 'HD' }] }));
    fs.writeFileSync(file('p-none.json'), policy({ rules: [] }));
    fs.writeFileSync(file('p-model.json'), policy({ rules: [rule], checkpoint_sha256: '0'.repeat(64) }));
    fs.mkdirSync(file('kept'));
    fs.writeFileSync(file('kept', 'mine.txt'), 'x');
    const base = ['--checkpoint', 'mcd', '--samples', '2'];
    const cases: Array<[string, string[], RegExp]> = [
      ['2-D image', [...base, '--image', 'flat.nii'], /2-D/],
      ['NaN voxel', [...base, '--image', 'nan.nii'], /NaN/],
      ['several frames', [...base, '--image', 'cine.nii'], /frames/],
      ['unknown checkpoint', ['--checkpoint', 'nope', '--image', 'ed.nii'], /no such folder/],
      ['checkpoint without meta.json', ['--checkpoint', 'empty-ckpt', '--image', 'ed.nii'], /meta\.json/],
      ['T = 0', ['--checkpoint', 'mcd', '--samples', '0', '--image', 'ed.nii'], /--samples/],
      ['ES missing', [...base, '--ed', 'ed.nii'], /--es missing/],
      ['image and phases', [...base, '--image', 'ed.nii', '--ed', 'ed.nii', '--es', 'es.nii'], /either/],
      ['phases off one grid', [...base, '--ed', 'ed.nii', '--es', 'other-grid.nii'], /in-plane grid/],
      ['malformed policy', [...base, '--image', 'ed.nii', '--policy', 'p-bad.json'], /not JSON/],
      ['unknown structure', [...base, '--image', 'ed.nii', '--policy', 'p-struct.json'], /structure/],
      ['unknown measure', [...base, '--image', 'ed.nii', '--policy', 'p-measure.json'], /measure/],
      ['no rules', [...base, '--image', 'ed.nii', '--policy', 'p-none.json'], /rules/],
      [
        'policy of another model',
        [...base, '--image', 'ed.nii', '--policy', 'p-model.json'],
        /made for checkpoint 0{64}/,
      ],
    ];
    const runs = await Promise.all(
      cases.map(([, args], i) => cli('segment', ...args, '--out', i % 2 ? 'kept' : `new${i}`)),
    );
    runs.forEach((r, i) => {
      expect([cases[i][0], r.code]).toEqual([cases[i][0], 2]);
      expect([cases[i][0], r.stderr]).toEqual([cases[i][0], expect.stringMatching(cases[i][2])]);
      expect(fs.existsSync(file(`new${i}`))).toBe(false);
    });
    expect(fs.readdirSync(file('kept'))).toEqual(['mine.txt']);
    expect(fs.readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('segments one image into an existing DIR, keeping its other files', async () => {
    const r = await cli(
      'segment',
      '--checkpoint',
      'mcd',
      '--image',
      'es.nii',
      '--samples',
      '2',
      '--no-progress',
      '--out',
      'kept',
    );
    expect(r.code).toBe(0);
    expect(fs.readdirSync(file('kept')).sort()).toEqual([
      'es_entropy.nii.gz',
      'es_mi.nii.gz',
      'es_qc.json',
      'es_seg.nii.gz',
      'mine.txt',
    ]);
    expect(readJson('kept', 'es_qc.json')).toMatchObject({ flagged: null, samples: 2 });
  });
});
