/**
 * `cardiac-uq export --inference ID --out DIR`: an inference's results from the store as files
 * (docs/design.md "Exporting results"), per subject and phase `<subject>_<phase>_seg.nii.gz`,
 * `_entropy.nii.gz`, `_mi.nii.gz` (the input's geometry), `_qc.json` and `_qc.csv`. Opens the store
 * as `keys` and `audit` do (src/cli/store-access.ts). Files go to a temporary folder beside DIR
 * and are moved into DIR when all are written, so a failure leaves DIR as it was.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { LaunchError } from '../../services/errors';
import { exportableInference, exportStack, exportUnits } from '../../services/inference-export';
import { withStore } from '../store-access';

interface ExportOptions {
  inference: string;
  out: string;
  progress: boolean;
}

function fail(message: string): void {
  console.error(`cardiac-uq export: ${message}`);
  process.exitCode = 2;
}

async function runExport(o: ExportOptions): Promise<void> {
  const target = path.resolve(o.out);
  if (fs.existsSync(target) && !fs.statSync(target).isDirectory()) return fail(`--out ${o.out} is not a folder`);
  await withStore(async (store) => {
    let inference;
    try {
      inference = await exportableInference(store, o.inference);
    } catch (error) {
      if (error instanceof LaunchError) return fail(error.message);
      throw error;
    }
    const units = await exportUnits(store, inference.id);
    const bar =
      o.progress && process.stderr.isTTY
        ? new SingleBar({ format: 'export [{bar}] {value}/{total} volumes | {unit}', stream: process.stderr })
        : null;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const tmp = fs.mkdtempSync(`${target}.export-`);
    const written: string[] = [];
    const t0 = Date.now();
    try {
      bar?.start(units.length, 0, { unit: '' });
      for (const unit of units) {
        for (const file of await exportStack(store, inference, unit)) {
          fs.writeFileSync(path.join(tmp, file.name), file.bytes);
          written.push(file.name);
        }
        bar?.increment(1, { unit: `${unit.externalId} ${unit.phase}` });
      }
      bar?.stop();
      fs.mkdirSync(target, { recursive: true });
      for (const name of written) fs.renameSync(path.join(tmp, name), path.join(target, name));
    } finally {
      bar?.stop();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    console.log(
      JSON.stringify({
        out: o.out,
        inference: inference.id,
        subjects: new Set(units.map((u) => u.subjectId)).size,
        volumes: units.length,
        files: written.map((name) => path.join(o.out, name)),
        seconds: (Date.now() - t0) / 1000,
      }),
    );
  });
}

export function register(program: Command): void {
  program
    .command('export')
    .description(
      "an inference's results from the store: per subject and phase the segmentation, entropy and MI as NIfTI in the input's geometry, and the per-slice QC flags as JSON and CSV",
    )
    .requiredOption('--inference <id>', 'the inference (its id, as the API lists it)')
    .requiredOption('--out <dir>', 'output folder (created if new; files of the same names are replaced)')
    .option('--no-progress', 'no progress bar (it is off anyway when stderr is not a terminal)')
    .addHelpText(
      'after',
      "\nWrites <subject>_<phase>_seg.nii.gz (uint8, the dataset's label values), _entropy.nii.gz, _mi.nii.gz\n" +
        '(float32 nats), _qc.json and _qc.csv (z, phase, entropy, mi, <S>_dice_within, <S>_assd_within, flag, reasons).\n' +
        'Stdout: {"out","inference","subjects","volumes","files","seconds"}.',
    )
    .action((options: ExportOptions) => runExport(options));
}
