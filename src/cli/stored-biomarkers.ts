/**
 * `cardiac-uq biomarkers --evaluation ID | --inference ID [--json]` (docs/design.md "The
 * cardiac-uq command"; "Biomarkers from the store"): the stored biomarkers of an evaluation's or an
 * inference's subjects, read through src/services/biomarkers.ts as the API reads them (the store
 * opened as `export` opens it), and for an evaluation their agreement with the ground truth.
 * Loaded only for these flags, so `biomarkers --ed --es` never loads the store.
 *
 * JSON: {"evaluation"|"inference": ID, "subjects": [{"subject","subject_id","group","split","status",
 * "reason","samples","truth_status","spacing_mm":[{"phase","x","y","z","z_source"}], and with status
 * OK the `biomarkers --json` keys of S̄ plus "posterior" (each {"mean","sd","q025","q975"} or null),
 * "truth" (or null), "covered" and "flags":{"LV"|"RV":{"flagged","reasons"}}}], for an evaluation
 * also "agreement":{"subjects","left_out","biomarkers":{"LV":{"ef":{"n","undefined","bias",
 * "sd_diff","lower","upper","r","mae","coverage","covered","coverage_n"},…},…}}}.
 */
import { BIOMARKERS, type Biomarker } from '../engine/clinical/biomarkers';
import { intervalCoverage } from '../engine/clinical/interval-coverage';
import type { Store } from '../db/client';
import { isUuid } from '../db/ids';
import { InvalidInputError } from '../engine/errors';
import {
  biomarkerAgreement,
  evaluationBiomarkers,
  inferenceBiomarkers,
  type BiomarkerAgreementRow,
  type SubjectBiomarkerResult,
} from '../services/biomarkers';
import { nestBiomarkers } from './commands/biomarkers';
import { withStore } from './store-access';

function subjectJson(s: SubjectBiomarkerResult) {
  const base = {
    subject: s.externalId,
    subject_id: s.subjectId,
    group: s.group,
    split: s.split,
    status: s.status,
    reason: s.reason,
    samples: s.samples,
    truth_status: s.truthStatus,
    spacing_mm: s.spacing.map((p) => ({ phase: p.phase, x: p.xMm, y: p.yMm, z: p.zMm, z_source: p.zSource })),
  };
  if (s.status !== 'OK') return base;
  return {
    ...base,
    ...nestBiomarkers(s.values!, (v) => v),
    posterior: nestBiomarkers(s.posterior!, (p) => p && { mean: p.mean, sd: p.sd, q025: p.q025, q975: p.q975 }),
    truth: s.truth ? nestBiomarkers(s.truth, (v) => v) : null,
    covered: s.truth
      ? nestBiomarkers(
          Object.fromEntries(
            BIOMARKERS.map((k) => {
              const c = intervalCoverage([s.posterior![k]], [s.truth![k]]);
              return [k, c.n ? c.covered === 1 : null];
            }),
          ) as Record<Biomarker, boolean | null>,
          (v) => v,
        )
      : null,
    flags: {
      LV: { flagged: s.flags!.LV.flag, reasons: s.flags!.LV.reasons },
      RV: { flagged: s.flags!.RV.flag, reasons: s.flags!.RV.reasons },
    },
  };
}

function agreementJson(rows: BiomarkerAgreementRow[]) {
  const byKey = Object.fromEntries(rows.map((r) => [r.biomarker, r])) as Record<Biomarker, BiomarkerAgreementRow>;
  return nestBiomarkers(byKey, (r) => ({
    n: r.n,
    undefined: r.undefinedCount,
    bias: r.bias,
    sd_diff: r.sdDiff,
    lower: r.lower,
    upper: r.upper,
    r: r.pearsonR,
    mae: r.mae,
    coverage: r.coverage,
    covered: r.covered,
    coverage_n: r.coverageN,
  }));
}

/** The table's biomarkers: name, key, display scale and digits. */
const SHOWN: Array<[string, Biomarker, number]> = [
  ['LV EDV ml', 'LV.edv_ml', 1],
  ['LV ESV ml', 'LV.esv_ml', 1],
  ['LV EF %', 'LV.ef', 100],
  ['RV EDV ml', 'RV.edv_ml', 1],
  ['RV ESV ml', 'RV.esv_ml', 1],
  ['RV EF %', 'RV.ef', 100],
  ['MYO g ED', 'MYO.mass_ed_g', 1],
];
const fmt = (x: number | null | undefined, scale: number) =>
  x === null || x === undefined ? '–' : (x * scale).toFixed(scale === 100 ? 1 : 2);
const WIDTH = 22;

function table(what: string, subjects: SubjectBiomarkerResult[], agreement: BiomarkerAgreementRow[] | null) {
  const ok = subjects.filter((s) => s.status === 'OK');
  const lines = [
    `${what}: ${subjects.length} subjects, ${ok.length} with biomarkers; value of the mean segmentation [95 % posterior interval], truth below`,
    ['subject'.padEnd(14), ...SHOWN.map(([name]) => name.padStart(WIDTH))].join(''),
  ];
  for (const s of subjects) {
    if (s.status !== 'OK') {
      lines.push(`${s.externalId.padEnd(14)}${s.status}: ${s.reason}`);
      continue;
    }
    lines.push(
      [
        s.externalId.padEnd(14),
        ...SHOWN.map(([, k, scale]) => {
          const p = s.posterior![k];
          return `${fmt(s.values![k], scale)} [${p ? `${fmt(p.q025, scale)}, ${fmt(p.q975, scale)}` : '–'}]`.padStart(
            WIDTH,
          );
        }),
      ].join(''),
    );
    if (s.truth)
      lines.push(
        ['  truth'.padEnd(14), ...SHOWN.map(([, k, scale]) => `${fmt(s.truth![k], scale)}`.padStart(WIDTH))].join(''),
      );
  }
  if (agreement) {
    lines.push(
      '',
      'agreement with the ground truth (limits = bias ± 1.96 SD; coverage: truth inside the 95 % interval)',
      `${'biomarker'.padEnd(14)}${'n'.padStart(4)}${'bias'.padStart(10)}${'limits'.padStart(22)}${'r'.padStart(8)}${'MAE'.padStart(10)}${'coverage'.padStart(16)}`,
    );
    for (const [name, k, scale] of SHOWN) {
      const a = agreement.find((x) => x.biomarker === k)!;
      lines.push(
        `${name.padEnd(14)}${String(a.n).padStart(4)}${fmt(a.bias, scale).padStart(10)}${(a.lower === null ? '–' : `[${fmt(a.lower, scale)}, ${fmt(a.upper, scale)}]`).padStart(22)}${(a.pearsonR === null ? '–' : a.pearsonR.toFixed(3)).padStart(8)}${fmt(a.mae, scale).padStart(10)}${(a.coverage === null ? '–' : `${(100 * a.coverage).toFixed(0)} % (${a.covered}/${a.coverageN})`).padStart(16)}`,
      );
    }
  }
  return lines.join('\n');
}

async function read(store: Store, kind: 'evaluation' | 'inference', id: string) {
  const exists =
    isUuid(id) &&
    (kind === 'evaluation'
      ? await store.evaluation.count({ where: { id } })
      : await store.inference.count({ where: { id } })) > 0;
  if (!exists) throw new InvalidInputError('BAD_ARGUMENT', `no ${kind} ${id} in the store`);
  if (kind === 'inference') return { subjects: await inferenceBiomarkers(store, id), agreement: null };
  const agreement = (await biomarkerAgreement(store, id))!;
  return { subjects: await evaluationBiomarkers(store, id), agreement };
}

export async function runStoredBiomarkers(
  kind: 'evaluation' | 'inference',
  id: string,
  json: boolean,
): Promise<string> {
  return withStore(async (store) => {
    const { subjects, agreement } = await read(store, kind, id);
    if (!json) return table(`${kind} ${id}`, subjects, agreement?.biomarkers ?? null);
    return JSON.stringify({
      [kind]: id,
      subjects: subjects.map(subjectJson),
      ...(agreement && {
        agreement: {
          subjects: agreement.subjects,
          left_out: agreement.leftOut,
          biomarkers: agreementJson(agreement.biomarkers),
        },
      }),
    });
  });
}
