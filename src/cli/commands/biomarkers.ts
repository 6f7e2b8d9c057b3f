/**
 * `cardiac-uq biomarkers --ed ED_seg.nii.gz --es ES_seg.nii.gz [--labels RV=1,MYO=2,LV=3] [--json]`
 * (docs/design.md "The cardiac-uq command"; definitions in "Definitions" → "Clinical biomarkers"):
 * LV and RV EDV, ESV, SV (ml) and EF (a fraction), MYO mass at ED and ES (g), from two label
 * volumes. Each phase's volumes use that file's own pixdim (sz: distance between slice centres).
 * JSON: {"LV":{"edv_ml","esv_ml","sv_ml","ef"},"RV":{…},"MYO":{"mass_ed_g","mass_es_g"}}; EF is
 * null when EDV = 0, and stderr says why.
 *
 * Bad input (exit 2, nothing on stdout): a phase missing; a file with dim[0] < 3 (a 2-D image has
 * no slice spacing; a 3-D volume of one slice is fine) or more than one frame; zero or non-finite
 * pixdim (refused by the reader); a value outside the label map (non-integers included, so an
 * intensity image is refused); the phases not on the same in-plane grid (nx, ny, sx, sy). The
 * number of slices and sz may differ between phases: each phase's volume is its own sum.
 *
 * `--evaluation ID` or `--inference ID` instead of the files: the stored biomarkers of that
 * evaluation's or inference's subjects with posterior intervals (../stored-biomarkers.ts).
 */
import { Command } from 'commander';
import { type Biomarker, cardiacBiomarkers, type CardiacBiomarkers } from '../../engine/clinical/biomarkers';
import type { VentricularFunction } from '../../engine/clinical/ejection-fraction';
import {
  addCounts,
  type SpacingMm3,
  structurePixelCounts,
  structureVolumesMl,
  type StructureValues,
} from '../../engine/clinical/volume';
import type { LabelMap } from '../../engine/data/types';
import { InvalidInputError } from '../../engine/errors';
import { type NiftiVolume, sliceOf } from '../../engine/io/nifti';
import { loadStoredBiomarkers } from '../lazy';
import { describeLabels, labelImage, parseLabelMap, readNiftiFile, requireOption, volumeDepth } from './metrics';

export interface BiomarkersOptions {
  ed?: string;
  es?: string;
  evaluation?: string;
  inference?: string;
  labels?: string;
  json?: boolean;
}

export interface Phase {
  name: 'ED' | 'ES';
  vol: NiftiVolume;
  slices: number;
  spacing: SpacingMm3;
}

function readPhase(path: string, name: Phase['name']): Phase {
  const what = `${name} segmentation`;
  const vol = readNiftiFile(path, what);
  if ((vol.ndim ?? 3) < 3) {
    throw new InvalidInputError(
      'BAD_SHAPE',
      `${what} ${path} is ${vol.ndim}-D; a volume (dim[0] ≥ 3, one or more slices along z) is needed for volumes in ml`,
    );
  }
  const slices = volumeDepth(vol, what);
  return { name, vol, slices, spacing: [vol.spacingMm[0], vol.spacingMm[1], vol.spacingMm[2]] };
}

/** pixdim is float32: 2.1 reads as 2.0999999046…, so messages show 6 significant digits. */
const mm = (v: number) => String(Number(v.toPrecision(6)));

export function sameInPlaneGrid(ed: Phase, es: Phase): void {
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-5 * Math.max(a, b);
  if (
    ed.vol.dims[0] !== es.vol.dims[0] ||
    ed.vol.dims[1] !== es.vol.dims[1] ||
    !close(ed.spacing[0], es.spacing[0]) ||
    !close(ed.spacing[1], es.spacing[1])
  ) {
    throw new InvalidInputError(
      'BAD_SHAPE',
      `ED and ES are not on the same in-plane grid: ED ${ed.vol.dims[0]}×${ed.vol.dims[1]} at ${mm(ed.spacing[0])}×${mm(ed.spacing[1])} mm, ` +
        `ES ${es.vol.dims[0]}×${es.vol.dims[1]} at ${mm(es.spacing[0])}×${mm(es.spacing[1])} mm`,
    );
  }
}

/** Structure volumes (ml) of one phase; every slice's labels are validated first. */
function phaseVolumesMl(phase: Phase, labels: LabelMap): StructureValues {
  const counts: StructureValues = { LV: 0, MYO: 0, RV: 0 };
  for (let z = 0; z < phase.slices; z++) {
    const sl = sliceOf(phase.vol, z);
    addCounts(
      counts,
      structurePixelCounts(labelImage(sl.data, sl.cols, labels, `${phase.name} segmentation slice z=${z}`), labels),
    );
  }
  return structureVolumesMl(counts, phase.spacing);
}

/** `{"LV.ef": x}` → `{"LV": {"ef": x}}`, the nesting of `biomarkers --json`. */
export function nestBiomarkers<T, U>(
  record: Record<Biomarker, T>,
  f: (value: T) => U,
): Record<string, Record<string, U>> {
  const out: Record<string, Record<string, U>> = {};
  for (const [key, value] of Object.entries(record) as Array<[Biomarker, T]>) {
    const [structure, name] = key.split('.');
    (out[structure] ??= {})[name] = f(value);
  }
  return out;
}

export function biomarkersJson(b: CardiacBiomarkers) {
  const ventricle = (f: VentricularFunction) => ({ edv_ml: f.edvMl, esv_ml: f.esvMl, sv_ml: f.svMl, ef: f.ef });
  return { LV: ventricle(b.LV), RV: ventricle(b.RV), MYO: { mass_ed_g: b.MYO.massEdG, mass_es_g: b.MYO.massEsG } };
}

function table(b: CardiacBiomarkers, ed: Phase, es: Phase, labels: LabelMap): string {
  const ml = (v: number) => v.toFixed(2).padStart(9);
  const ef = (f: VentricularFunction) => (f.ef === null ? '– (EDV 0)' : `${(100 * f.ef).toFixed(1)} %`).padStart(10);
  const geometry = (p: Phase) =>
    `${p.name} ${p.slices} slice${p.slices === 1 ? '' : 's'} of ${p.spacing.map(mm).join(' × ')} mm`;
  return [
    `labels ${describeLabels(labels)}; ${geometry(ed)}, ${geometry(es)}`,
    `structure    EDV ml    ESV ml     SV ml        EF`,
    ...(['LV', 'RV'] as const).map(
      (k) => `${k.padEnd(9)}${ml(b[k].edvMl)} ${ml(b[k].esvMl)} ${ml(b[k].svMl)}${ef(b[k])}`,
    ),
    `MYO mass   ED ${b.MYO.massEdG.toFixed(2)} g, ES ${b.MYO.massEsG.toFixed(2)} g (1.05 g/ml)`,
  ].join('\n');
}

export function runBiomarkers(options: BiomarkersOptions): string {
  requireOption(options.ed, '--ed');
  requireOption(options.es, '--es');
  const labels = parseLabelMap(options.labels);
  const ed = readPhase(options.ed, 'ED');
  const es = readPhase(options.es, 'ES');
  sameInPlaneGrid(ed, es);
  const b = cardiacBiomarkers(phaseVolumesMl(ed, labels), phaseVolumesMl(es, labels));
  for (const k of ['LV', 'RV'] as const) {
    if (b[k].ef === null)
      console.error(`cardiac-uq: warning: ${k} EDV is 0 (no ${k} voxels at ED): EF undefined (null)`);
  }
  return options.json ? JSON.stringify(biomarkersJson(b)) : table(b, ed, es, labels);
}

/**
 * With --evaluation or --inference, the stored biomarkers (../stored-biomarkers.ts, loaded only
 * then: it opens the store); undefined for the files' path.
 */
async function stored(options: BiomarkersOptions): Promise<string | undefined> {
  const given = (['evaluation', 'inference'] as const).filter((k) => options[k] !== undefined);
  if (given.length === 0) return undefined;
  if (given.length > 1) throw new InvalidInputError('BAD_ARGUMENT', '--evaluation and --inference: name one');
  if (options.ed !== undefined || options.es !== undefined)
    throw new InvalidInputError('BAD_ARGUMENT', `--${given[0]} reads the store: --ed and --es do not apply`);
  return loadStoredBiomarkers().runStoredBiomarkers(given[0], options[given[0]]!, options.json === true);
}

export function register(program: Command): void {
  program
    .command('biomarkers')
    .description(
      'LV/RV end-diastolic and end-systolic volume, stroke volume, ejection fraction and myocardial mass from ED and ES label volumes',
    )
    .option('--ed <file>', '(required) end-diastolic label volume (.nii or .nii.gz); its pixdim gives its voxel volume')
    .option('--es <file>', '(required) end-systolic label volume, on the same in-plane grid as --ed')
    .option(
      '--evaluation <id>',
      "instead of files: the stored biomarkers of an evaluation's subjects and their agreement",
    )
    .option('--inference <id>', "instead of files: the stored biomarkers of an inference's subjects")
    .option('--labels <map>', 'label value of each structure', 'RV=1,MYO=2,LV=3')
    .option('--json', 'print JSON: {"LV":{"edv_ml","esv_ml","sv_ml","ef"},"RV":{…},"MYO":{"mass_ed_g","mass_es_g"}}')
    .addHelpText(
      'after',
      '\nVolume (ml) = voxels × pixdim x·y·z (mm) / 1000, z the distance between slice centres; SV = EDV − ESV;\n' +
        'EF = SV / EDV (a fraction; null when EDV = 0); mass = 1.05 g/ml × MYO volume.',
    )
    .action(async (options: BiomarkersOptions) => {
      process.stdout.write(((await stored(options)) ?? runBiomarkers(options)) + '\n');
    });
}
