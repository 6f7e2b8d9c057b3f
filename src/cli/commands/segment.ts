/**
 * `cardiac-uq segment --checkpoint CKPT (--image IMG.nii.gz | --ed ED.nii.gz --es ES.nii.gz)
 *  [--samples T] [--policy P.json] [--labels RV=1,MYO=2,LV=3] [--subject NAME] --out DIR`
 * (docs/design.md "The cardiac-uq command"): segments unlabelled volumes slice by slice with
 * posterior samples and flags the slices a QC policy picks for review.
 *
 * Per image (stem = file name without .nii/.nii.gz), in DIR:
 * - `<stem>_seg.nii.gz`: S̄ = argmax p̄ as label values of --labels (uint8);
 * - `<stem>_entropy.nii.gz`, `<stem>_mi.nii.gz`: per-pixel predictive entropy and MI (float32, nats);
 *   all three in the image's geometry (dim, pixdim, qform/sform, srow, xyzt_units copied:
 *   io/nifti.ts), the network's crop and resampling undone by the sampler;
 * - `<stem>_qc.json`: {"slices":[{"z","entropy","mi","LV":{"dice_within","assd_within"},"MYO","RV",
 *   "flag","reasons"}],"flagged","samples","checkpoint_sha256"}. With a policy, flag is true when any
 *   rule flags the slice (score ≥ threshold, metrics/qc-policy.ts), reasons lists those rules as
 *   {"structure","measure","value","threshold"} (value the score; null for an undefined ASSD_within,
 *   ranked +∞) and flagged counts the flagged slices; without one flag and flagged are null.
 * With --ed and --es, both phases as above and `<subject>_biomarkers.json` (subject: --subject, else
 * the ED stem): the `biomarkers --json` object from S̄ of both phases plus "posterior" with the
 * same keys, each {"mean","sd","q025","q975"} over the T samples (null when undefined in a sample),
 * "samples", "checkpoint_sha256", "ed", "es". One sampling seed for every slice of both phases, so
 * sample t is one posterior draw (inference/sampling.ts) and the intervals are posterior intervals.
 *
 * Everything is validated before the network runs, and the files are written to a temporary folder
 * and renamed into DIR at the end, so bad input (exit 2) writes nothing: an image that is 2-D or has
 * several frames, holds NaN, or is unreadable; one phase without the other, or phases off one
 * in-plane grid; T < 1; a checkpoint folder that is missing or unreadable; a policy file that is
 * malformed, names a structure or measure we do not have, or records another model's
 * checkpoint_sha256 (policy.ts checkpointDigest).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { initBackend, parseBackend } from '../../engine/backend';
import { disposeCheckpoint, type LoadedCheckpoint, loadCheckpoint } from '../../engine/checkpoint';
import { biomarkerPosterior, cardiacBiomarkers } from '../../engine/clinical/biomarkers';
import { type SpacingMm3, type StructureValues, addCounts, structureVolumesMl } from '../../engine/clinical/volume';
import { ACDC_LABELS, type LabelMap, NUM_CLASSES, STRUCTURES } from '../../engine/data/types';
import { type InputErrorCode, InvalidInputError } from '../../engine/errors';
import {
  type NiftiGeometry,
  type NiftiVolume,
  readNifti,
  readNiftiGeometry,
  sliceOf,
  volumeFromSlices,
  writeNifti,
} from '../../engine/io/nifti';
import { DEFAULT_SAMPLES, samplesReturned } from '../../engine/inference/sampling';
import { inferSlice } from '../../engine/inference/slice-inference';
import { biomarkersJson, nestBiomarkers, type Phase, sameInPlaneGrid } from './biomarkers';
import { parseLabelMap, readInputFile, requireOption, volumeDepth } from './metrics';
import { checkpointDigest, type PolicyFile, readPolicyFile } from './policy';

export interface SegmentCliOptions {
  checkpoint?: string;
  image?: string;
  ed?: string;
  es?: string;
  subject?: string;
  samples: string;
  policy?: string;
  labels?: string;
  out?: string;
  seed: string;
  backend?: string;
  progress: boolean;
}

interface InputImage {
  role: 'image' | 'ED' | 'ES';
  file: string;
  stem: string;
  vol: NiftiVolume;
  geometry: NiftiGeometry;
  slices: number;
  spacing: SpacingMm3;
}

interface PhaseResult {
  files: Array<{ name: string; bytes: Uint8Array | string }>;
  flagged: number | null;
  /** S̄'s structure pixel counts summed over the slices, and sample t's at [t]. */
  meanCounts: StructureValues;
  sampleCounts: StructureValues[];
}

const bad = (code: InputErrorCode, message: string): never => {
  throw new InvalidInputError(code, message);
};

function parseInteger(text: string, name: string, min: number): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < min)
    bad('BAD_ARGUMENT', `${name} "${text}": expected an integer ≥ ${min}`);
  return Number(text);
}

const stemOf = (file: string) => path.basename(file).replace(/\.nii(\.gz)?$/i, '');

function readImage(file: string, role: InputImage['role']): InputImage {
  const what = role === 'image' ? '--image' : `--${role.toLowerCase()}`;
  const bytes = readInputFile(file, what);
  let vol: NiftiVolume;
  let geometry: NiftiGeometry;
  try {
    vol = readNifti(bytes);
    geometry = readNiftiGeometry(bytes);
  } catch (error) {
    if (error instanceof InvalidInputError)
      throw new InvalidInputError(error.code, `${what} ${file}: ${error.message}`);
    throw error;
  }
  if ((vol.ndim ?? 3) < 3)
    bad(
      'BAD_SHAPE',
      `${what} ${file} is ${vol.ndim}-D; segment needs a volume (dim[0] ≥ 3, one or more slices along z)`,
    );
  const slices = volumeDepth(vol, `${what} ${file}`);
  return {
    role,
    file,
    stem: stemOf(file),
    vol,
    geometry,
    slices,
    spacing: [vol.spacingMm[0], vol.spacingMm[1], vol.spacingMm[2]],
  };
}

/** Loads the checkpoint; anything that keeps it from loading is bad input. */
async function loadForCli(dir: string): Promise<LoadedCheckpoint> {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
    bad('FILE_NOT_FOUND', `--checkpoint ${dir}: no such folder`);
  try {
    return await loadCheckpoint(dir);
  } catch (error) {
    if (error instanceof InvalidInputError)
      throw new InvalidInputError(error.code, `--checkpoint ${dir}: ${error.message}`);
    throw new InvalidInputError(
      'BAD_FORMAT',
      `--checkpoint ${dir}: unreadable checkpoint: ${(error as Error).message}`,
    );
  }
}

const members = (c: LoadedCheckpoint) => (c.kind === 'ensemble' ? c.members : [c]);

/** Output label value of each class channel (0 background, then the ACDC class order). */
function channelLabels(labels: LabelMap): Uint8Array {
  const out = new Uint8Array(NUM_CLASSES);
  for (const s of STRUCTURES) out[ACDC_LABELS[s]] = labels[s];
  return out;
}

function segmentImage(
  ckpt: LoadedCheckpoint,
  img: InputImage,
  ctx: { T: number; seed: number; labels: LabelMap; policy: PolicyFile | null; sha: string; tick: () => void },
): PhaseResult {
  const values = channelLabels(ctx.labels);
  const Tout = samplesReturned(ckpt, ctx.T);
  const seg: Array<{ rows: number; cols: number; data: Uint8Array }> = [];
  const entropy: Array<{ rows: number; cols: number; data: Float64Array }> = [];
  const mi: typeof entropy = [];
  const meanCounts: StructureValues = { LV: 0, MYO: 0, RV: 0 };
  const sampleCounts: StructureValues[] = Array.from({ length: Tout }, () => ({ LV: 0, MYO: 0, RV: 0 }));
  const slices: unknown[] = [];
  let flagged = 0;
  for (let z = 0; z < img.slices; z++) {
    const sl = sliceOf(img.vol, z);
    const r = inferSlice(
      ckpt,
      { image: sl.data, rows: sl.rows, cols: sl.cols, spacingMm: [img.spacing[0], img.spacing[1]] },
      ctx.T,
      { seed: ctx.seed, rules: ctx.policy?.rules },
    );
    const u = r.summary;
    seg.push({ rows: sl.rows, cols: sl.cols, data: u.meanLabels.map((c) => values[c]) });
    entropy.push({ rows: sl.rows, cols: sl.cols, data: u.entropyMap! });
    mi.push({ rows: sl.rows, cols: sl.cols, data: u.miMap! });
    addCounts(meanCounts, r.pixels);
    for (let t = 0; t < Tout; t++) addCounts(sampleCounts[t], r.samplePixels[t]);
    const reasons = (r.decisions ?? [])
      .filter((d) => d.flagged)
      .map((d) => ({
        structure: d.structure,
        measure: d.measure,
        value: Number.isFinite(d.value) ? d.value : null,
        threshold: d.threshold,
      }));
    const flag = r.flagged;
    if (flag) flagged++;
    slices.push({
      z,
      entropy: u.entropy,
      mi: u.mi,
      ...Object.fromEntries(
        STRUCTURES.map((k) => [
          k,
          { dice_within: u.structures[k].diceWithin, assd_within: u.structures[k].assdWithinMm },
        ]),
      ),
      flag,
      reasons,
    });
    ctx.tick();
  }
  const write = (sl: typeof seg | typeof entropy, datatype: 'uint8' | 'float32') =>
    writeNifti(volumeFromSlices(sl, img.spacing), { datatype, geometry: img.geometry });
  const qc = { slices, flagged: ctx.policy ? flagged : null, samples: Tout, checkpoint_sha256: ctx.sha };
  return {
    files: [
      { name: `${img.stem}_seg.nii.gz`, bytes: write(seg, 'uint8') },
      { name: `${img.stem}_entropy.nii.gz`, bytes: write(entropy, 'float32') },
      { name: `${img.stem}_mi.nii.gz`, bytes: write(mi, 'float32') },
      { name: `${img.stem}_qc.json`, bytes: JSON.stringify(qc) + '\n' },
    ],
    flagged: qc.flagged,
    meanCounts,
    sampleCounts,
  };
}

/** The `biomarkers --json` object of S̄, with each biomarker's posterior summary beside it. */
function biomarkersFile(ed: InputImage, es: InputImage, edR: PhaseResult, esR: PhaseResult, sha: string) {
  const point = biomarkersJson(
    cardiacBiomarkers(structureVolumesMl(edR.meanCounts, ed.spacing), structureVolumesMl(esR.meanCounts, es.spacing)),
  );
  const post = biomarkerPosterior(
    edR.sampleCounts.map((c) => structureVolumesMl(c, ed.spacing)),
    esR.sampleCounts.map((c) => structureVolumesMl(c, es.spacing)),
  );
  const posterior = nestBiomarkers(post, (p) => p && { mean: p.mean, sd: p.sd, q025: p.q025, q975: p.q975 });
  return { ...point, posterior, samples: edR.sampleCounts.length, checkpoint_sha256: sha, ed: ed.stem, es: es.stem };
}

/** Where DIR will be: an existing folder, or a new one whose parent exists. */
function checkOutDir(dir: string): void {
  const target = path.resolve(dir);
  if (fs.existsSync(target)) {
    if (!fs.statSync(target).isDirectory()) bad('BAD_ARGUMENT', `--out ${dir} exists and is not a folder`);
  } else if (!fs.existsSync(path.dirname(target))) {
    bad('FILE_NOT_FOUND', `--out ${dir}: folder ${path.dirname(target)} does not exist`);
  }
}

/** Writes every file into a temporary folder, then moves them into DIR (created if new) at once. */
function writeOutputs(dir: string, files: PhaseResult['files']): string[] {
  const target = path.resolve(dir);
  const existed = fs.existsSync(target);
  const tmp = existed ? fs.mkdtempSync(path.join(target, '.segment-')) : fs.mkdtempSync(`${target}.tmp-`);
  try {
    for (const f of files) fs.writeFileSync(path.join(tmp, f.name), f.bytes);
    if (existed) for (const f of files) fs.renameSync(path.join(tmp, f.name), path.join(target, f.name));
    else fs.renameSync(tmp, target);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return files.map((f) => path.join(dir, f.name));
}

export async function runSegment(o: SegmentCliOptions): Promise<string> {
  requireOption(o.checkpoint, '--checkpoint');
  requireOption(o.out, '--out');
  if (o.image !== undefined && (o.ed !== undefined || o.es !== undefined))
    bad('BAD_ARGUMENT', 'give either --image or --ed and --es, not both');
  if (o.image === undefined && o.ed === undefined && o.es === undefined)
    bad('BAD_ARGUMENT', 'missing required option --image (or --ed and --es) (see --help)');
  if ((o.ed === undefined) !== (o.es === undefined))
    bad('BAD_ARGUMENT', `${o.ed === undefined ? '--ed' : '--es'} missing: biomarkers need both phases`);
  if (o.subject !== undefined && o.image !== undefined)
    bad('BAD_ARGUMENT', '--subject names the biomarkers of --ed and --es');
  const T = parseInteger(o.samples, '--samples', 1);
  const seed = parseInteger(o.seed, '--seed', 0);
  const labels = parseLabelMap(o.labels);
  const images =
    o.image !== undefined ? [readImage(o.image, 'image')] : [readImage(o.ed!, 'ED'), readImage(o.es!, 'ES')];
  if (images.length === 2) {
    const [ed, es] = images;
    if (ed.stem === es.stem)
      bad('BAD_ARGUMENT', `--ed and --es have the same name stem "${ed.stem}": their outputs would collide`);
    const phase = (i: InputImage): Phase => ({
      name: i.role as Phase['name'],
      vol: i.vol,
      slices: i.slices,
      spacing: i.spacing,
    });
    sameInPlaneGrid(phase(ed), phase(es));
  }
  const subject = o.subject ?? images[0].stem;
  if (!/^[\w.+-]+$/.test(subject)) bad('BAD_ARGUMENT', `--subject "${subject}": letters, digits, _ . + - only`);
  const policy = o.policy === undefined ? null : readPolicyFile(o.policy);
  checkOutDir(o.out);
  const backend = await initBackend(parseBackend(o.backend));
  const ckpt = await loadForCli(o.checkpoint);
  try {
    const sha = checkpointDigest(members(ckpt).map((m) => m.meta.weightsSha256));
    if (policy?.checkpoint_sha256 !== undefined && policy.checkpoint_sha256 !== sha) {
      bad(
        'BAD_ARGUMENT',
        `--policy ${o.policy} was made for checkpoint ${policy.checkpoint_sha256}, not for ${o.checkpoint} (${sha})`,
      );
    }
    const total = images.reduce((a, i) => a + i.slices, 0);
    const bar =
      o.progress && process.stderr.isTTY
        ? new SingleBar({
            format: 'segment {stem} [{bar}] {value}/{total} slices | ETA {eta}s',
            stream: process.stderr,
          })
        : null;
    const t0 = Date.now();
    bar?.start(total, 0, { stem: images[0].stem });
    let done = 0;
    const results = images.map((img) =>
      segmentImage(ckpt, img, { T, seed, labels, policy, sha, tick: () => bar?.update(++done, { stem: img.stem }) }),
    );
    bar?.stop();
    const files = results.flatMap((r) => r.files);
    if (images.length === 2) {
      files.push({
        name: `${subject}_biomarkers.json`,
        bytes: JSON.stringify(biomarkersFile(images[0], images[1], results[0], results[1], sha)) + '\n',
      });
    }
    const written = writeOutputs(o.out, files);
    const method = ckpt.kind === 'ensemble' ? 'ensemble' : ckpt.meta.method;
    const flagged = policy ? results.reduce((a, r) => a + r.flagged!, 0) : null;
    return JSON.stringify({
      out: o.out,
      files: written,
      slices: total,
      flagged,
      samples: samplesReturned(ckpt, T),
      method,
      backend,
      seconds: (Date.now() - t0) / 1000,
    });
  } finally {
    disposeCheckpoint(ckpt);
  }
}

export function register(program: Command): void {
  program
    .command('segment')
    .description(
      'segment volumes with posterior samples: label map, entropy and MI maps in the input geometry, per-slice QC flags (and biomarkers with intervals for ED + ES)',
    )
    .option('--checkpoint <dir>', '(required) checkpoint folder written by `cardiac-uq train`')
    .option('--image <file>', 'a 3-D image (.nii/.nii.gz) to segment (or --ed and --es)')
    .option('--ed <file>', 'end-diastolic 3-D image; with --es also writes <subject>_biomarkers.json')
    .option('--es <file>', 'end-systolic 3-D image, on the same in-plane grid as --ed')
    .option('--subject <name>', "name of the biomarkers file (default: the ED image's stem)")
    .option(
      '--samples <T>',
      'posterior samples (MC Dropout, BBB; plain gives 1, an ensemble one per member)',
      String(DEFAULT_SAMPLES),
    )
    .option('--policy <file>', 'QC policy JSON from `cardiac-uq policy`: flags slices for review')
    .option('--labels <map>', 'label value written for each structure', 'RV=1,MYO=2,LV=3')
    .option('--out <dir>', '(required) output folder (created if new; files of the same names are replaced)')
    .option('--seed <n>', 'seed of the sampling noise (one for all slices and both phases)', '0')
    .option('--backend <name>', 'tensorflow | wasm | cpu (default: env CARDIAC_UQ_BACKEND, else the best available)')
    .option('--no-progress', 'no progress bar (it is off anyway when stderr is not a terminal)')
    .addHelpText(
      'after',
      '\nWrites <stem>_seg.nii.gz, <stem>_entropy.nii.gz, <stem>_mi.nii.gz (geometry of the image) and <stem>_qc.json:\n' +
        '{"slices":[{"z","entropy","mi","LV":{"dice_within","assd_within"},"MYO","RV","flag","reasons"}],"flagged","samples",\n' +
        '"checkpoint_sha256"}; a slice is flagged when any policy rule has score ≥ threshold (flag null without --policy).',
    )
    .action(async (options: SegmentCliOptions) => {
      process.stdout.write((await runSegment(options)) + '\n');
    });
}
