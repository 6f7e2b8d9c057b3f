/**
 * M&Ms-layout folders (docs/design.md "Importing data"): `DIR/<code>/<code>_sa.nii.gz`, a 4-D
 * short-axis cine per subject, with an optional `<code>_sa_gt.nii.gz` (4-D, drawn only at ED and
 * ES), and exactly one CSV in DIR (the M&Ms information sheet) with at least the columns
 * `External code`, `Vendor`, `Centre`, `ED`, `ES`; ED and ES are 0-based frame indices into the
 * cine. Every subfolder is a subject and needs its CSV row; `Pathology`, when the sheet has it,
 * is the subject's group. Vendor and centre are kept per subject. M&Ms label files number the
 * structures LV 1, MYO 2, RV 3 (ACDC's order reversed): MNMS_LABELS is this layout's default map.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { LabelMap } from '../data/types';
import { InvalidInputError } from '../errors';
import { entryExists, openFolder, readFile, statOrNull, type Opener } from './import-files';
import type { FindOptions, SubjectFiles } from './read-subjects';

/** File label values of the M&Ms ground truth. */
export const MNMS_LABELS: LabelMap = Object.freeze({ LV: 1, MYO: 2, RV: 3 });

interface SheetRow {
  vendor: string;
  centre: string;
  ed: number;
  es: number;
  group: string;
  info: Record<string, string | number>;
}

/** Column names compared without case, spaces or punctuation ("External code" = "externalcode"). */
const key = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');
const REQUIRED = ['externalcode', 'vendor', 'centre', 'ed', 'es'] as const;

/** Parse the M&Ms information sheet: one row per external code. */
export function parseMnmsSheet(text: string, shown = 'the CSV'): Map<string, SheetRow> {
  let records: Record<string, string>[];
  try {
    records = parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true });
  } catch (error) {
    throw new InvalidInputError('BAD_FORMAT', `${shown}: ${(error as Error).message}`);
  }
  const header = records.length > 0 ? Object.keys(records[0]) : [];
  const column = new Map(header.map((h) => [key(h), h]));
  const missing = REQUIRED.filter((k) => !column.has(k));
  if (records.length === 0 || missing.length > 0)
    throw new InvalidInputError(
      'BAD_FORMAT',
      `${shown} needs a header with External code, Vendor, Centre, ED, ES and rows (missing: ${missing.join(', ') || 'rows'})`,
    );
  const get = (r: Record<string, string>, k: string) => r[column.get(k) ?? ''] ?? '';
  const rows = new Map<string, SheetRow>();
  records.forEach((r, i) => {
    const code = get(r, 'externalcode');
    const frame = (k: 'ed' | 'es') => {
      const v = get(r, k);
      if (!/^\d+$/.test(v))
        throw new InvalidInputError(
          'BAD_FORMAT',
          `${shown} row ${i + 2}: ${k.toUpperCase()} "${v}" is not a 0-based frame index`,
        );
      return Number(v);
    };
    if (code === '' || rows.has(code))
      throw new InvalidInputError('BAD_FORMAT', `${shown} row ${i + 2}: empty or repeated External code "${code}"`);
    const info: Record<string, string | number> = {};
    for (const [h, v] of Object.entries(r)) info[h] = v !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
    rows.set(code, {
      vendor: get(r, 'vendor'),
      centre: get(r, 'centre'),
      ed: frame('ed'),
      es: frame('es'),
      group: get(r, 'pathology') || 'UNKNOWN',
      info,
    });
  });
  return rows;
}

function sheetOf(open: Opener, real: string, dir: string): { rows: Map<string, SheetRow>; name: string } {
  const csvs = readdirSync(real).filter((f) => /\.csv$/i.test(f));
  if (csvs.length !== 1)
    throw new InvalidInputError('BAD_FORMAT', `${dir} needs exactly one .csv information sheet, found ${csvs.length}`);
  const path = join(real, csvs[0]);
  return { rows: parseMnmsSheet(new TextDecoder().decode(readFile(open, path)), path), name: csvs[0] };
}

/** The subject folders of an M&Ms-layout folder (sorted by code) and their ED/ES files. */
export function findMnmsFiles(open: Opener, dir: string, find: FindOptions = {}): SubjectFiles[] {
  const real = openFolder(open, dir);
  const sheet = sheetOf(open, real, dir);
  const codes = readdirSync(real)
    .filter((name) => statOrNull(join(real, name))?.isDirectory())
    .sort();
  const found = codes.flatMap((code): SubjectFiles[] => {
    openFolder(open, join(real, code));
    const file = (suffix: string) =>
      [`${code}${suffix}.nii.gz`, `${code}${suffix}.nii`]
        .map((f) => join(code, f))
        .find((f) => entryExists(join(real, f)));
    const image = file('_sa');
    const label = file('_sa_gt') ?? null;
    if (find.labelsOnly ? label === null : image === undefined) {
      if (find.labelsOnly) return [];
      throw new InvalidInputError('FILE_NOT_FOUND', `file not found: ${join(real, code, `${code}_sa.nii.gz`)}`);
    }
    const row = sheet.rows.get(code);
    if (!row) throw new InvalidInputError('BAD_FORMAT', `${sheet.name} has no row for subject ${code}`);
    const phase = (p: 'ED' | 'ES', frame: number) => ({
      phase: p,
      image: image ?? join(code, `${code}_sa.nii.gz`),
      imageFrame: frame,
      label,
      labelFrame: frame,
    });
    return [
      {
        id: code,
        group: row.group,
        vendor: row.vendor,
        centre: row.centre,
        info: row.info,
        phases: [phase('ED', row.ed), phase('ES', row.es)],
      },
    ];
  });
  if (found.length === 0)
    throw new InvalidInputError('BAD_FORMAT', `no <code>/<code>_sa${find.labelsOnly ? '_gt' : ''}.nii.gz in ${dir}`);
  return found;
}
