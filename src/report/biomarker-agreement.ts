/**
 * The report's section 5b, clinical biomarkers (docs/design.md "Biomarkers from the store" → "In
 * the study report"): per method (variant, repeat 0) and site — the site-A undistorted test evaluation
 * and the site-B evaluation — the agreement of the mean segmentation's LV/RV EDV, ESV, EF and MYO
 * mass at ED with the ground truth as `biomarkerAgreement` gives it (Bland–Altman bias and limits
 * bias ± 1.96 SD, Pearson r, MAE, 95 %-interval coverage), a Bland–Altman plot of LV and RV EF, the
 * per-subject LV EF posterior mean with its [q_0.025, q_0.975] interval against the truth
 * (`Evaluation.biomarkers`), and findings stated against the numbers: each coverage beside what a
 * calibrated method gives (95 %, and P(X ≤ covered) for X ~ Binomial(n, 0.95)).
 */
import { binomialCdf } from '../engine/statistics/binomial';
import type { BiomarkerAgreementRow } from '../services/biomarkers';
import * as charts from './charts';
import type { ReportData } from './collect';
import type { Block } from './document';
import type { GqlClient } from './graphql-client';

/** The biomarkers the section reports, in table order, with their unit and display scale. */
export const REPORT_BIOMARKERS = {
  LV_EDV_ML: { name: 'LV EDV', unit: 'ml', scale: 1 },
  LV_ESV_ML: { name: 'LV ESV', unit: 'ml', scale: 1 },
  LV_EF: { name: 'LV EF', unit: 'EF points', scale: 100 },
  RV_EDV_ML: { name: 'RV EDV', unit: 'ml', scale: 1 },
  RV_ESV_ML: { name: 'RV ESV', unit: 'ml', scale: 1 },
  RV_EF: { name: 'RV EF', unit: 'EF points', scale: 100 },
  MYO_MASS_ED_G: { name: 'MYO mass (ED)', unit: 'g', scale: 1 },
} as const;
export type ReportBiomarker = keyof typeof REPORT_BIOMARKERS;
const KEYS = Object.keys(REPORT_BIOMARKERS) as ReportBiomarker[];

/** A subject's EF is poor for the subject-level QC curve when |EF error| exceeds this (EF points). */
export const POOR_EF_POINTS = 5;
/** A calibrated 95 % interval covers its subject's truth with this probability. */
export const NOMINAL_COVERAGE = 0.95;
/** A coverage whose binomial tail P(X ≤ covered | calibrated) is below this is called too low. */
export const UNDERCOVERAGE_P = 0.05;

/** A `BiomarkerAgreementRow` as the API sends it: the biomarker by its GraphQL name (LV_EF). */
export type AgreementRow = Omit<BiomarkerAgreementRow, 'biomarker'> & { biomarker: string };

export interface SubjectRow {
  externalId: string;
  status: string;
  values: Array<{
    biomarker: string;
    value: number | null;
    posterior: { mean: number; q025: number; q975: number } | null;
    truth: number | null;
  }>;
}

/** One method on one site: the evaluation, its agreement and its subjects. */
export interface SiteBiomarkers {
  method: string;
  site: 'A' | 'B';
  evaluationId: string;
  runId: string;
  samples: number;
  subjects: number;
  leftOut: number;
  agreement: AgreementRow[];
  perSubject: SubjectRow[];
  /** The subject-level QC curve of the LV (score: EF interval width; poor: |EF error| > 5 points). */
  subjectQc: { n: number; poor: number; auc: number; reviewAt: number } | null;
}

export async function collectBiomarkers(gql: GqlClient, data: ReportData): Promise<SiteBiomarkers[]> {
  const out: SiteBiomarkers[] = [];
  for (const v of data.variants.filter((x) => x.repeat === 0)) {
    for (const [site, e] of [
      ['A', v.siteA],
      ['B', v.siteB],
    ] as const) {
      if (!e) continue;
      const r = await gql(
        `query($id: ID!) {
          biomarkerAgreement(evaluationId: $id) { subjects leftOut
            biomarkers { biomarker n undefinedCount bias sdDiff lower upper pearsonR mae coverage covered coverageN } }
          evaluation(id: $id) { biomarkers { externalId status values { biomarker value truth posterior { mean q025 q975 } } }
            subjectQcCurve(structure: LV, poorEfPoints: ${POOR_EF_POINTS}) { n poor auc reviewAt(target: 0.05) } } }`,
        { id: e.id },
      );
      if (!r.biomarkerAgreement || !r.evaluation) continue;
      out.push({
        method: v.label,
        site,
        evaluationId: e.id,
        runId: e.runId,
        samples: e.samples,
        subjects: r.biomarkerAgreement.subjects,
        leftOut: r.biomarkerAgreement.leftOut,
        agreement: r.biomarkerAgreement.biomarkers,
        perSubject: r.evaluation.biomarkers,
        subjectQc: r.evaluation.subjectQcCurve,
      });
    }
  }
  return out;
}

const fixed = (x: number | null, digits: number) => (x === null || !Number.isFinite(x) ? '—' : x.toFixed(digits));
const percent = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(0)} %`);
const scaled = (k: ReportBiomarker, x: number | null) => (x === null ? null : x * REPORT_BIOMARKERS[k].scale);

/** The agreement table of one site: a row per method and biomarker. */
export function agreementTable(rows: SiteBiomarkers[], site: 'A' | 'B'): Block {
  const ofSite = rows.filter((r) => r.site === site);
  return {
    type: 'table',
    caption: `Site ${site}${site === 'A' ? ' test' : ''}: biomarkers of the mean segmentation against the ground truth (EF in EF points, volumes in ml, mass in g); limits of agreement = bias ± 1.96 SD; coverage = ground truth inside the 95 % posterior interval (a calibrated method: ≈ 95 %)`,
    header: ['method', 'biomarker', 'subjects (left out)', 'bias', 'limits of agreement', 'r', 'MAE', '95 % coverage'],
    rows: ofSite.flatMap((r) =>
      KEYS.map((k) => {
        const a = r.agreement.find((x) => x.biomarker === k);
        if (!a) return [r.method, REPORT_BIOMARKERS[k].name, '—', '—', '—', '—', '—', '—'];
        const d = REPORT_BIOMARKERS[k].scale === 1 ? 2 : 1;
        return [
          r.method,
          REPORT_BIOMARKERS[k].name,
          `${a.n} (${r.leftOut + a.undefinedCount})`,
          fixed(scaled(k, a.bias), d),
          a.lower === null ? '—' : `[${fixed(scaled(k, a.lower), d)}, ${fixed(scaled(k, a.upper), d)}]`,
          fixed(a.pearsonR, 2),
          fixed(scaled(k, a.mae), d),
          a.coverage === null ? '—' : `${percent(a.coverage)} (${a.covered} of ${a.coverageN})`,
        ];
      }),
    ),
  };
}

/** Bland–Altman points (mean of the two values, difference predicted − truth) and lines, scaled. */
export function blandAltmanData(rows: SiteBiomarkers[], biomarkers: ReportBiomarker[]) {
  const points: Array<{ method: string; panel: string; mean: number; diff: number; subject: string }> = [];
  const lines: Array<{ method: string; panel: string; line: string; diff: number }> = [];
  for (const r of rows) {
    for (const k of biomarkers) {
      const panel = `${REPORT_BIOMARKERS[k].name}, site ${r.site}`;
      for (const s of r.perSubject) {
        const v = s.values.find((x) => x.biomarker === k);
        if (s.status !== 'OK' || !v || v.value === null || v.truth === null) continue;
        points.push({
          method: r.method,
          panel,
          subject: s.externalId,
          mean: scaled(k, (v.value + v.truth) / 2)!,
          diff: scaled(k, v.value - v.truth)!,
        });
      }
      const a = r.agreement.find((x) => x.biomarker === k);
      for (const [line, y] of [
        ['bias', a?.bias],
        ['bias − 1.96 SD', a?.lower],
        ['bias + 1.96 SD', a?.upper],
      ] as const)
        if (y !== null && y !== undefined) lines.push({ method: r.method, panel, line, diff: scaled(k, y)! });
    }
  }
  return { points, lines };
}

/** Per subject with an interval: the posterior mean, q_0.025, q_0.975 and the truth, scaled. */
export function intervalData(rows: SiteBiomarkers[], k: ReportBiomarker) {
  return rows.flatMap((r) =>
    r.perSubject.flatMap((s) => {
      const v = s.values.find((x) => x.biomarker === k);
      if (s.status !== 'OK' || !v?.posterior) return [];
      return [
        {
          method: r.method,
          site: `site ${r.site}`,
          subject: s.externalId,
          mean: scaled(k, v.posterior.mean)!,
          q025: scaled(k, v.posterior.q025)!,
          q975: scaled(k, v.posterior.q975)!,
          truth: scaled(k, v.truth),
        },
      ];
    }),
  );
}

/**
 * One finding per site and ventricle's EF: each method's coverage ("k of n") beside what a
 * calibrated method gives — 95 %, and P = P(X ≤ k) for X ~ Binomial(n, 0.95), the chance that it
 * covers so few — and the methods whose coverage is too low for a calibrated one (P < 0.05).
 */
export function coverageFindings(rows: SiteBiomarkers[]): string[] {
  const out: string[] = [];
  for (const site of ['A', 'B'] as const) {
    for (const k of ['LV_EF', 'RV_EF'] as const) {
      const measured = rows
        .filter((r) => r.site === site)
        .map((r) => ({ r, a: r.agreement.find((x) => x.biomarker === k) }))
        .filter((x): x is { r: SiteBiomarkers; a: AgreementRow } => !!x.a && x.a.coverage !== null)
        .map(({ r, a }) => ({ r, a, p: binomialCdf(a.covered, a.coverageN, NOMINAL_COVERAGE) }));
      if (!measured.length) continue;
      const ns = [...new Set(measured.map((m) => m.a.coverageN))];
      const expected = ns.map((n) => `${Number((NOMINAL_COVERAGE * n).toFixed(2))} of ${n}`).join(', ');
      const low = measured.filter((m) => m.p < UNDERCOVERAGE_P);
      const point = measured.filter((m) => m.r.samples === 1).map((m) => m.r.method);
      out.push(
        `Coverage of ${REPORT_BIOMARKERS[k].name} intervals, site ${site}: ${measured
          .map(
            ({ r, a, p }) =>
              `${r.method} ${percent(a.coverage)} of ${a.coverageN} subjects (${a.covered} covered, P = ${p.toPrecision(2)})`,
          )
          .join(
            '; ',
          )}. A calibrated method covers 95 % (${expected} expected); P is the chance it covers as few or fewer. ${
          low.length
            ? `Fewer than a calibrated method covers (P < ${UNDERCOVERAGE_P}): ${low.map((m) => m.r.method).join(', ')} — intervals too narrow or off-centre.`
            : `No method covers fewer than a calibrated one plausibly would (every P ≥ ${UNDERCOVERAGE_P}).`
        }${point.length ? ` ${point.join(', ')}: T = 1, the interval is a single value and covers only an exact match.` : ''}`,
      );
    }
  }
  return out;
}

/** EF bias and limits per method and site, and which method's EF is closest to the truth. */
export function efAgreementFindings(rows: SiteBiomarkers[]): string[] {
  const out: string[] = [];
  for (const site of ['A', 'B'] as const) {
    const ofSite = rows.filter((r) => r.site === site);
    for (const k of ['LV_EF', 'RV_EF'] as const) {
      const with_ = ofSite
        .map((r) => ({ r, a: r.agreement.find((x) => x.biomarker === k) }))
        .filter((x) => x.a && x.a.mae !== null);
      if (!with_.length) continue;
      const best = with_.reduce((b, x) => (x.a!.mae! < b.a!.mae! ? x : b));
      out.push(
        `${REPORT_BIOMARKERS[k].name}, site ${site}: ${with_
          .map(
            ({ r, a }) =>
              `${r.method} bias ${fixed(scaled(k, a!.bias), 1)} points${a!.lower === null ? '' : ` [${fixed(scaled(k, a!.lower), 1)}, ${fixed(scaled(k, a!.upper), 1)}]`}, MAE ${fixed(scaled(k, a!.mae), 1)}`,
          )
          .join(
            '; ',
          )}; smallest MAE: ${best.r.method} (${fixed(scaled(k, best.a!.mae), 1)} points over ${best.a!.n} subjects).`,
      );
    }
  }
  return out;
}

/**
 * Subject-level QC beside the slice-level curves of section 5: subjects reviewed widest LV EF
 * interval first, poor when |EF error| > POOR_EF_POINTS; AUC and the review fraction that leaves
 * ≤ 5 % poor subjects.
 */
export function subjectQcTable(rows: SiteBiomarkers[]): Block {
  return {
    type: 'table',
    caption: `Subject-level QC (LV): subjects flagged by descending EF interval width, poor when |EF error| > ${POOR_EF_POINTS} points (\`subjectQcCurve\`); lower AUC is better, a random order gives ≈ (poor / subjects) / 2`,
    header: ['method', 'site', 'poor / subjects', 'AUC', 'review for ≤ 5 % poor left'],
    rows: rows.map((r) =>
      r.subjectQc
        ? [
            r.method,
            r.site,
            `${r.subjectQc.poor} / ${r.subjectQc.n}`,
            fixed(r.subjectQc.auc, 3),
            percent(r.subjectQc.reviewAt),
          ]
        : [r.method, r.site, '—', '—', '—'],
    ),
  };
}

type FigureFn = (name: string, spec: Record<string, unknown>, caption: string, sources: string[]) => Promise<void>;

/** Appends the section to `blocks` (figures through `figure`, which appends them too). */
export async function biomarkerSection(
  blocks: Block[],
  gql: GqlClient,
  data: ReportData,
  figure: FigureFn,
): Promise<void> {
  blocks.push({ type: 'h2', text: '5b. Clinical biomarkers: agreement with the ground truth and interval coverage' });
  const rows = await collectBiomarkers(gql, data);
  if (!rows.some((r) => r.subjects > 0)) {
    blocks.push({
      type: 'p',
      text: 'No evaluation of this study has subjects with biomarkers and ground truth (both phases with every slice and stored per-sample counts).',
    });
    return;
  }
  const labels = data.labels.filter((l) => rows.some((r) => r.method === l));
  const sources = rows.map(
    (r) =>
      `${r.method} site ${r.site}: evaluation ${r.evaluationId} (run ${r.runId}, T = ${r.samples}), ${r.subjects} subjects with biomarkers and ground truth, ${r.leftOut} left out`,
  );
  blocks.push({
    type: 'p',
    text: 'Per subject with complete ED and ES stacks, LV and RV end-diastolic and end-systolic volumes, ejection fraction and myocardial mass at ED from the mean segmentation against the same biomarkers of the ground truth, as the ACDC challenge reports them (`biomarkerAgreement`, repeat 0): Bland–Altman bias (mean of predicted − truth) and limits of agreement (bias ± 1.96 SD), Pearson r and mean absolute error; and the coverage of the 95 % posterior intervals (2.5–97.5 % over the T samples, each sample one coherent draw for both phases): the fraction of subjects whose ground-truth value lies inside. A calibrated method covers ≈ 95 %.',
  });
  for (const site of ['A', 'B'] as const)
    if (rows.some((r) => r.site === site)) blocks.push(agreementTable(rows, site));
  const ba = blandAltmanData(rows, ['LV_EF', 'RV_EF']);
  await figure(
    'biomarker-bland-altman',
    charts.blandAltman(
      ba.points,
      ba.lines,
      labels,
      'Bland–Altman: EF of the mean segmentation against the ground truth',
    ),
    'Bland–Altman plots of LV and RV ejection fraction (EF points) per method (columns) and site (rows): each subject at the mean of the predicted and true EF against their difference; solid line the bias, dashed the limits of agreement (bias ± 1.96 SD). Repeat 0.',
    sources,
  );
  await figure(
    'biomarker-ef-intervals',
    charts.subjectIntervals(intervalData(rows, 'LV_EF'), labels, 'LV EF per subject: posterior mean and 95 % interval'),
    'LV ejection fraction per subject (EF points): the posterior mean over the T samples (dot) with its 2.5–97.5 % interval (bar), and the ground truth (black tick); a bar that misses the tick is a subject not covered. Per method (rows), the subjects of site A then site B, repeat 0.',
    sources,
  );
  blocks.push(subjectQcTable(rows));
  blocks.push({ type: 'h3', text: 'Findings' });
  blocks.push({ type: 'list', items: [...coverageFindings(rows), ...efAgreementFindings(rows)] });
}
