/**
 * Findings: the paper's claims, point by point, against our numbers. The paper's statements and
 * figures are quoted as the reference (PAPER below, from paper/uncertainty-cardiac-mri-benchmark);
 * every number on our side is computed from the API's answers at report time. Verdicts are
 * mechanical and judged by 95 % subject-bootstrap intervals of differences (verdicts.ts; docs/
 * design.md "The report" → "Intervals and verdicts"): agrees / differs / inconclusive, with the
 * rule stated beside each finding, so they are reproducible and never hand-picked. Comparisons of
 * methods use paired differences (both methods on the same drawn subjects); site A against site B
 * resamples each site's subjects independently.
 */
import { isEnsembleLabel } from '../domain/methods';
import type { ReportData, StructureName } from './collect';
import { STRUCTURES } from './collect';
import { signed } from './signed-number';
import {
  hoursSavedInterval,
  intervalsOf,
  mean,
  medianCurve,
  methodSummaries,
  qcSummaries,
  rankBy,
  timeSavings,
  timings,
  type ReportIntervals,
  type MethodSummary,
} from './analysis';
import {
  combine,
  differenceOf,
  meanOf,
  twoSampleInterval,
  type BootstrapInterval,
  type Resampled,
} from './subject-intervals';
import {
  allVerdict,
  anyVerdict,
  directionVerdict,
  equivalenceVerdict,
  orderVerdict,
  VERDICT_RULES,
  verdictCounts,
  type Interval,
  type Verdict,
} from './verdicts';

export type { Verdict };

/** The paper's reference statements and numbers (quoted, not ours). */
export const PAPER = {
  siteAOrder:
    'Deep Ensembles best in accuracy and calibration; BBB and MCD-0.1 comparable to the plain U-Net; MCD-0.5 slightly worse',
  siteBAccuracyOrder: ['DE', 'BBB', 'MCD-0.1', 'PLAIN', 'MCD-0.5'],
  siteBUncertaintyOrder: ['MCD-0.5', 'DE', 'BBB', 'MCD-0.1'],
  assdWithinSpearmanA: [0.58, 0.69],
  assdWithinSpearmanB: [0.44, 0.66],
  deReviewAt5: { LV: 0.48, MYO: 0.38, RV: 0.31 },
  randomReviewAt5: 0.75,
  hoursVsRandom: 940,
  hoursVsPosition: 580,
  trainingHours: { MCD: 35, BBB: 47, PLAIN: 12 },
};

/** "Comparable" accuracy: mean Dice within ±0.02 (the equivalence margin). */
export const COMPARABLE_DICE = 0.02;
/** Margins for the two findings that are not subject figures (weights, timings). */
export const SIGMA_MARGIN = 0.05;
export const TIMING_MARGIN = 0.1;

export interface Finding {
  topic: string;
  paper: string;
  ours: string;
  verdict: Verdict;
  rule: string;
}

const f3 = (x: number | null | undefined) => (x === null || x === undefined ? '—' : x.toFixed(3));
const pct = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${(100 * x).toFixed(0)} %`);

/** "+0.012 [0.003, 0.020]" of a difference's estimate and interval. */
function diff(ci: BootstrapInterval | null, digits = 3): string {
  if (!ci || ci.estimate === null) return '—';
  return `${signed(ci.estimate, digits)} [${ci.interval ? ci.interval.map((v) => signed(v, digits)).join(', ') : '—'}]`;
}

const intervalOf = (ci: BootstrapInterval | null): Interval => ci?.interval ?? null;

function byLabel(ms: MethodSummary[], label: string) {
  return ms.find((m) => m.label === label);
}

/**
 * A ranking claim: the paper's order (best first, mapped to our labels, methods we lack left out)
 * judged pair by pair on a site by the paired difference of `key` (orderVerdict). Site B's
 * accuracy and uncertainty rankings are both this.
 */
function rankingFinding(
  ci: ReportIntervals,
  ms: MethodSummary[],
  paperOrder: string[],
  key: 'meanDice' | 'entropy',
  higherIsBetter: boolean,
): { verdict: Verdict; detail: string } {
  const present = paperOrder.filter((l) => ms.some((m) => m.label === l));
  const differences = new Map<string, BootstrapInterval | null>();
  const { verdict, pairs } = orderVerdict(
    present,
    (a, b) => {
      const d = ci.difference('B', a, b, key);
      differences.set(`${a}|${b}`, d);
      return intervalOf(d);
    },
    higherIsBetter,
  );
  const detail = pairs
    .map((p) => `${p.better} − ${p.worse} ${diff(differences.get(`${p.better}|${p.worse}`) ?? null)} (${p.verdict})`)
    .join('; ');
  return { verdict: present.length < 3 ? 'n/a' : verdict, detail };
}

export function findings(data: ReportData): Finding[] {
  const out: Finding[] = [];
  const ci = intervalsOf(data);
  const A = methodSummaries(data, 'A');
  const B = methodSummaries(data, 'B');
  const levels: number[] = data.plan.levels;
  const kinds: string[] = data.plan.kinds;
  const strongestLevel = levels[levels.length - 1];
  const labels = data.labels.filter((l) => A.some((m) => m.label === l));
  // The paper's Deep Ensemble (M = 10) is whichever ensemble this study trained (DE-M).
  const DE = data.labels.find(isEnsembleLabel) ?? 'DE';
  const ours = (paperLabel: string) => (paperLabel === 'DE' ? DE : paperLabel);
  const stochastic = (ms: MethodSummary[]) =>
    ms.filter((m) => !data.variants.some((v) => v.label === m.label && v.siteA?.samples === 1));

  // 1. Accuracy and calibration on site A.
  if (A.length) {
    const byDice = rankBy(A, (m) => m.meanDice, true);
    const byNll = rankBy(A, (m) => m.nll, false);
    const de = A.find((m) => isEnsembleLabel(m.label));
    const others = A.filter((m) => m !== de);
    const comparisons = de
      ? others.map((o) => ({
          o: o.label,
          dice: ci.difference('A', de.label, o.label, 'meanDice'),
          nll: ci.difference('A', de.label, o.label, 'nll'),
        }))
      : [];
    out.push({
      topic: 'Site A: best accuracy and calibration',
      paper: 'Deep Ensembles performed best in segmentation accuracy and probability calibration.',
      ours: `Mean Dice (LV, MYO, RV averaged) ranks ${byDice.map((m) => `${m.label} ${f3(m.meanDice)}`).join(' > ')}; NLL ranks ${byNll.map((m) => `${m.label} ${f3(m.nll)}`).join(' < ')}.${comparisons.length ? ` ${DE} − other, paired: ${comparisons.map((c) => `${c.o}: Dice ${diff(c.dice)}, NLL ${diff(c.nll, 4)}`).join('; ')}.` : ''}`,
      verdict: de
        ? allVerdict(
            comparisons.flatMap((c) => [
              directionVerdict(intervalOf(c.dice), 'above'),
              directionVerdict(intervalOf(c.nll), 'below'),
            ]),
          )
        : 'n/a',
      rule: `Per other method, DE − it in mean Dice (should be > 0) and in NLL (< 0): ${VERDICT_RULES.direction} Then ${VERDICT_RULES.all}`,
    });
    const plain = byLabel(A, 'PLAIN');
    const comparable = ['BBB', 'MCD-0.1'].map((l) => byLabel(A, l)).filter((m): m is MethodSummary => !!m);
    if (plain && comparable.length) {
      const diffs = comparable.map((m) => ({ label: m.label, d: ci.difference('A', m.label, 'PLAIN', 'meanDice') }));
      out.push({
        topic: 'Site A: BBB and MCD-0.1 against the plain U-Net',
        paper: 'BBB and MCD-0.1 were comparable to the plain U-Net.',
        ours: diffs.map((x) => `${x.label} − PLAIN mean Dice ${diff(x.d)}`).join('; '),
        verdict: allVerdict(diffs.map((x) => equivalenceVerdict(intervalOf(x.d), COMPARABLE_DICE))),
        rule: `Comparable = the paired difference in mean Dice within ±${COMPARABLE_DICE}, per method: ${VERDICT_RULES.equivalence(COMPARABLE_DICE)} Then ${VERDICT_RULES.all}`,
      });
    }
    const mcd5 = byLabel(A, 'MCD-0.5');
    if (mcd5) {
      const others = A.filter((m) => m.label !== 'MCD-0.5');
      const comparisons = others.map((o) => ({
        o: o.label,
        dice: ci.difference('A', o.label, 'MCD-0.5', 'meanDice'),
        nll: ci.difference('A', o.label, 'MCD-0.5', 'nll'),
      }));
      out.push({
        topic: 'Site A: MCD-0.5',
        paper: 'MCD-0.5 performed slightly worse than the other models in accuracy and calibration.',
        ours: `MCD-0.5 mean Dice ${f3(mcd5.meanDice)}, NLL ${f3(mcd5.nll)}; other − MCD-0.5, paired: ${comparisons.map((c) => `${c.o}: Dice ${diff(c.dice)}, NLL ${diff(c.nll, 4)}`).join('; ')}.`,
        verdict: allVerdict(
          comparisons.flatMap((c) => [
            directionVerdict(intervalOf(c.dice), 'above'),
            directionVerdict(intervalOf(c.nll), 'below'),
          ]),
        ),
        rule: `Per other method, it − MCD-0.5 in mean Dice (should be > 0) and NLL (< 0): ${VERDICT_RULES.direction} Then ${VERDICT_RULES.all}`,
      });
    }
  }

  // 2. Distortions (repeat 0, the sweep's subjects).
  if (data.variants.some((v) => v.repeat === 0 && v.sweep)) {
    const falls = kinds.flatMap((kind) =>
      labels.map((l) => {
        const at = ci.sweep(l, kind, strongestLevel, 'meanDice');
        const none = ci.sweep(l, kind, 0, 'meanDice');
        const d = at && none ? ci.interval('sweep', differenceOf(at, none)) : null;
        return { kind, l, d, verdict: directionVerdict(intervalOf(d), 'below') };
      }),
    );
    out.push({
      topic: 'Distortions: accuracy falls with the degree',
      paper: 'Segmentation accuracy decreased as the magnitude of noise, blur and stretch increased.',
      ours: `Mean Dice at degree ${strongestLevel} − undistorted, paired: ${kinds
        .map(
          (k) =>
            `${k}: ${falls
              .filter((x) => x.kind === k)
              .map((x) => `${x.l} ${diff(x.d)}`)
              .join(', ')}`,
        )
        .join('; ')}.`,
      verdict: allVerdict(falls.map((x) => x.verdict)),
      rule: `Per kind and method, mean Dice at the strongest degree − undistorted (should be < 0): ${VERDICT_RULES.direction} Then ${VERDICT_RULES.all}`,
    });
    const intermediate = levels.slice(0, -1);
    for (const measure of [
      { metric: 'entropy', name: 'predictive entropy' },
      { metric: 'mi', name: 'mutual information' },
    ] as const) {
      // MI of a one-sample method (plain) is 0 up to rounding: not an uncertainty that can rise.
      const of =
        measure.metric === 'mi'
          ? labels.filter((l) => !data.variants.some((v) => v.label === l && v.siteA?.samples === 1))
          : labels;
      if (!intermediate.length || !of.length) continue;
      const points = data.variants
        .filter((v) => v.repeat === 0 && v.sweep)
        .flatMap((v) => v.sweep!.points.map((p) => ({ ...p, method: v.label })));
      const perKind = kinds.map((kind) => {
        const methods = of.map((l) => {
          // The peak: the intermediate degree with the highest median (point estimate), held fixed.
          const curve = medianCurve(points, l, kind, measure.metric, null, levels);
          const peak = intermediate.reduce((best, lv) =>
            (curve[levels.indexOf(lv) + 1] ?? -Infinity) > (curve[levels.indexOf(best) + 1] ?? -Infinity) ? lv : best,
          );
          const key = `median:${measure.metric}`;
          const m0 = ci.sweep(l, kind, 0, key);
          const mp = ci.sweep(l, kind, peak, key);
          const ml = ci.sweep(l, kind, strongestLevel, key);
          const rise = m0 && mp ? ci.interval('sweep', differenceOf(mp, m0)) : null;
          const fall =
            mp && ml
              ? ci.interval(
                  'sweep',
                  combine([ml, mp], ([last, top]) => last - 0.8 * top),
                )
              : null;
          const collapse = allVerdict([
            directionVerdict(intervalOf(rise), 'above'),
            directionVerdict(intervalOf(fall), 'below'),
          ]);
          return { l, peak, rise, fall, collapse };
        });
        const expectCollapse = kind === 'NOISE' || kind === 'BLUR';
        const flip = (v: Verdict): Verdict => (v === 'agrees' ? 'differs' : v === 'differs' ? 'agrees' : v);
        return {
          kind,
          methods,
          verdict: expectCollapse
            ? anyVerdict(methods.map((m) => m.collapse))
            : allVerdict(methods.map((m) => flip(m.collapse))),
        };
      });
      out.push({
        topic: `Distortions: ${measure.name} rises, then collapses`,
        paper:
          'Uncertainty increased with the distortion but decreased after a threshold for noise and blur (heavily distorted images became all background with low uncertainty), not for stretch.',
        ours: `Median ${measure.name}, peak p = the intermediate degree with the highest median; rise = median(p) − median(0), fall = median(${strongestLevel}) − 0.8·median(p): ${perKind.map((k) => `${k.kind} (${k.verdict}): ${k.methods.map((m) => `${m.l} p ${m.peak} rise ${diff(m.rise, 4)} fall ${diff(m.fall, 4)}`).join(', ')}`).join('; ')}.`,
        verdict: allVerdict(perKind.map((k) => k.verdict)),
        rule: `A method collapses when rise > 0 and fall < 0, each by the direction rule (${VERDICT_RULES.direction}), combined by "all". NOISE and BLUR: ${VERDICT_RULES.any.replace('the finding', 'the kind')} (over methods collapsing); STRETCH: every method should not collapse (${VERDICT_RULES.all.replace('the finding', 'the kind')}). Then over kinds, ${VERDICT_RULES.all}`,
      });
    }
    const strongest = levels.filter((l) => l >= 3);
    const robustness = (kind: string, best: string, paper: string, topic: string) => {
      const lvDice = (l: string): Resampled | null => {
        const figures = strongest.map((lv) => ci.sweep(l, kind, lv, 'dice:LV'));
        return figures.every((x) => x) ? meanOf(figures as Resampled[]) : null;
      };
      const others = labels.filter((l) => l !== best);
      const b = lvDice(best);
      const comparisons = others.map((o) => {
        const x = lvDice(o);
        const d = b && x ? ci.interval('sweep', differenceOf(b, x)) : null;
        return { o, d, verdict: directionVerdict(intervalOf(d), 'above') };
      });
      out.push({
        topic,
        paper,
        ours: `Mean LV Dice at ${kind.toLowerCase()} degrees ${strongest.join(', ')}, ${best} − other, paired: ${comparisons.map((c) => `${c.o} ${diff(c.d)}`).join('; ')}.`,
        verdict: !labels.includes(best) || labels.length < 3 ? 'n/a' : allVerdict(comparisons.map((c) => c.verdict)),
        rule: `Per other method, ${best} − it in mean LV Dice over the degrees ≥ 3 (should be > 0): ${VERDICT_RULES.direction} Then ${VERDICT_RULES.all}`,
      });
    };
    if (strongest.length) {
      if (kinds.includes('NOISE'))
        robustness(
          'NOISE',
          'BBB',
          'BBB was more robust to noise than the other methods (higher LV Dice at noise degrees 2–4).',
          'Noise: the most robust method',
        );
      for (const kind of ['BLUR', 'STRETCH'].filter((k) => kinds.includes(k)))
        robustness(
          kind,
          DE,
          'Deep Ensembles were more robust to blurring and stretching (higher accuracy at degrees 3–4).',
          `${kind === 'BLUR' ? 'Blur' : 'Stretch'}: the most robust method`,
        );
    }
  }

  // 3. Dataset shift: site B against site A (other subjects: resampled independently).
  if (A.length && B.length) {
    const pairs = B.filter((b) => byLabel(A, b.label));
    const shift = (label: string, key: 'meanDice' | 'entropy') => {
      const a = ci.method('A', label, key);
      const b = ci.method('B', label, key);
      return a && b ? twoSampleInterval(ci.resampler('B'), b, ci.resampler('A'), a) : null;
    };
    const shifts = pairs.map((m) => ({
      label: m.label,
      dice: shift(m.label, 'meanDice'),
      entropy: shift(m.label, 'entropy'),
    }));
    out.push({
      topic: 'Site B: lower accuracy, higher uncertainty',
      paper:
        'On the shifted site accuracy decreased and predictive uncertainty increased compared with the in-distribution test set.',
      ours: `Site B − site A: ${shifts.map((x) => `${x.label} mean Dice ${diff(x.dice)}, entropy ${diff(x.entropy, 4)}`).join('; ')}.`,
      verdict: allVerdict(
        shifts.flatMap((x) => [
          directionVerdict(intervalOf(x.dice), 'below'),
          directionVerdict(intervalOf(x.entropy), 'above'),
        ]),
      ),
      rule: `Per method, site B − site A in mean Dice (should be < 0) and mean entropy (> 0), the two sites' subjects resampled independently: ${VERDICT_RULES.direction} Then ${VERDICT_RULES.all}`,
    });
    const accuracy = rankingFinding(ci, B, PAPER.siteBAccuracyOrder.map(ours), 'meanDice', true);
    out.push({
      topic: 'Site B: methods ranked by accuracy',
      paper: `From best to worst: ${PAPER.siteBAccuracyOrder.join(', ')}.`,
      ours: `By mean Dice: ${rankBy(B, (m) => m.meanDice, true)
        .map((m) => `${m.label} ${f3(m.meanDice)}`)
        .join(' > ')}. Paired differences in the paper's order: ${accuracy.detail}.`,
      verdict: accuracy.verdict,
      rule: `Mean Dice; ${VERDICT_RULES.order}`,
    });
    const uncertain = B.filter((m) => m.label !== 'PLAIN');
    const uncertainty = rankingFinding(ci, uncertain, PAPER.siteBUncertaintyOrder.map(ours), 'entropy', true);
    out.push({
      topic: 'Site B: methods ranked by uncertainty',
      paper: `Highest to lowest uncertainty: ${PAPER.siteBUncertaintyOrder.join(', ')}.`,
      ours: `By mean predictive entropy: ${rankBy(uncertain, (m) => m.entropy, true)
        .map((m) => `${m.label} ${f3(m.entropy)}`)
        .join(' > ')}. Paired differences in the paper's order: ${uncertainty.detail}.`,
      verdict: uncertainty.verdict,
      rule: `Mean predictive entropy (higher first); ${VERDICT_RULES.order}`,
    });
  }

  // 4. Correlations: ASSD within samples against the other measures, stochastic methods.
  const OTHER_MEASURES = ['ENTROPY', 'MI', 'DICE_WITHIN'] as const;
  const pairsOf = (ms: MethodSummary[]) =>
    stochastic(ms).flatMap((m) => STRUCTURES.map((s) => ({ label: m.label, structure: s })));
  const rho = (site: 'A' | 'B', label: string, structure: StructureName, measure: string) =>
    ci.method(site, label, `rho:${structure}:${measure}`);
  /** Mean over (method, structure) pairs of ASSD-within's ρ. */
  const meanAssdWithinRho = (site: 'A' | 'B', ms: MethodSummary[]): Resampled | null => {
    const figures = pairsOf(ms).map((p) => rho(site, p.label, p.structure, 'ASSD_WITHIN'));
    return figures.length && figures.every((f) => f) ? meanOf(figures as Resampled[]) : null;
  };
  for (const [site, ms, range] of [
    ['A', A, PAPER.assdWithinSpearmanA],
    ['B', B, PAPER.assdWithinSpearmanB],
  ] as const) {
    const pairs = pairsOf(ms);
    if (!pairs.length) continue;
    // Per pair: |ρ ASSD-within| − the largest |ρ| of the other measures (Dice within correlates negatively by construction).
    const gaps = pairs.map((p) => {
      const figures = ['ASSD_WITHIN', ...OTHER_MEASURES].map((m) => rho(site, p.label, p.structure, m));
      return figures.every((f) => f)
        ? combine(figures as Resampled[], ([own, ...others]) => Math.abs(own) - Math.max(...others.map(Math.abs)))
        : null;
    });
    const gap = gaps.every((g) => g) ? ci.interval(site, meanOf(gaps as Resampled[])) : null;
    const meanRho = ci.interval(site, meanAssdWithinRho(site, ms));
    const vals = pairs
      .map((p) =>
        mean(
          ms
            .find((m) => m.label === p.label)!
            .evaluations.map(
              (e) => e.correlations.find((c) => c.measure === 'ASSD_WITHIN' && c.structure === p.structure)?.spearman,
            ),
        ),
      )
      .filter((x): x is number => x !== null);
    out.push({
      topic: `Spearman correlation with ASSD, site ${site}`,
      paper: `ASSD within samples correlated most with ASSD, ρ in [${range[0]}, ${range[1]}]${site === 'B' ? ' (slightly lower than on the training site)' : ''}.`,
      ours: `ASSD-within ρ in [${vals.length ? Math.min(...vals).toFixed(2) : '—'}, ${vals.length ? Math.max(...vals).toFixed(2) : '—'}] over ${pairs.length} (method, structure) pairs, mean ${diff(meanRho, 2)}; mean over pairs of |ρ ASSD-within| − max |ρ| of entropy, MI, Dice-within: ${diff(gap, 3)}.`,
      verdict: directionVerdict(intervalOf(gap), 'above'),
      rule: `"Correlated most": the mean over the stochastic methods' (method, structure) pairs of |ρ(ASSD-within)| − max |ρ(other measures)| (should be > 0): ${VERDICT_RULES.direction} The paper's range is quoted, not judged (its ρ is over other data).`,
    });
  }
  if (A.length && B.length) {
    const a = meanAssdWithinRho('A', A);
    const b = meanAssdWithinRho('B', B);
    if (a && b) {
      const d = twoSampleInterval(ci.resampler('B'), b, ci.resampler('A'), a);
      out.push({
        topic: 'Correlation: site B against site A',
        paper: 'Correlations on the shifted site were slightly lower.',
        ours: `Mean ASSD-within ρ, site B − site A: ${diff(d, 2)}.`,
        verdict: directionVerdict(intervalOf(d), 'below'),
        rule: `Site B − site A in the mean ASSD-within ρ (should be < 0), sites resampled independently: ${VERDICT_RULES.direction}`,
      });
    }
  }

  // 5. Quality control (site A test).
  const qc = qcSummaries(A);
  if (qc.length) {
    const meanAuc = (label: string) => aucOverStructures(ci, label);
    const de = labels.find(isEnsembleLabel);
    const comparisons = de
      ? labels
          .filter((l) => l !== de)
          .map((o) => {
            const x = meanAuc(de);
            const y = meanAuc(o);
            const d = x && y ? ci.interval('A', differenceOf(x, y)) : null;
            return { o, d, verdict: directionVerdict(intervalOf(d), 'below') };
          })
      : [];
    const aucs = labels.map((l) => ({
      label: l,
      auc: mean(qc.filter((q) => q.label === l && q.measure === 'ASSD_WITHIN').map((q) => q.auc)),
    }));
    out.push({
      topic: 'QC: AUC of the ASSD-within curves',
      paper:
        'All methods performed similarly in detecting poor segmentations, Deep Ensembles with a slightly lower AUC.',
      ours: `Mean AUC over LV, MYO, RV: ${rankBy(aucs, (x) => x.auc, false)
        .map((x) => `${x.label} ${f3(x.auc)}`)
        .join(
          ' < ',
        )}.${comparisons.length ? ` ${DE} − other, paired: ${comparisons.map((c) => `${c.o} ${diff(c.d)}`).join('; ')}.` : ''}`,
      verdict: !de || labels.length < 3 ? 'n/a' : allVerdict(comparisons.map((c) => c.verdict)),
      rule: `Per other method, DE − it in the mean ASSD-within QC AUC (should be < 0): ${VERDICT_RULES.direction} Then ${VERDICT_RULES.all}`,
    });
    const deRows = qc.filter((q) => isEnsembleLabel(q.label) && q.measure === 'ASSD_WITHIN');
    if (de && deRows.length === 3) {
      const review = STRUCTURES.map((s) => {
        const own = ci.method('A', de, `review:${s}:ASSD_WITHIN`);
        const random = ci.method('A', de, `review:${s}:RANDOM`);
        const d = own && random ? ci.interval('A', differenceOf(own, random)) : null;
        return { s, d, verdict: directionVerdict(intervalOf(d), 'below') };
      });
      out.push({
        topic: 'QC: review needed to leave 5 % poor (DE, ASSD-within)',
        paper: `DE: ${STRUCTURES.map((s) => `${s} ${pct(PAPER.deReviewAt5[s])}`).join(', ')}; random review ≈ ${pct(PAPER.randomReviewAt5)}.`,
        ours: `${DE}: ${deRows.map((q) => `${q.structure} ${pct(q.reviewAt)} (random ${pct(q.randomReviewAt)}, slice position ${pct(q.positionReviewAt)}, ${q.poor}/${q.n} poor)`).join('; ')}; uncertainty − random, paired: ${review.map((r) => `${r.s} ${diff(r.d)}`).join(', ')}.`,
        verdict: allVerdict(review.map((r) => r.verdict)),
        rule: `Per structure, the review fraction by ASSD-within − random review's (should be < 0; the fractions themselves depend on how many segmentations are poor): ${VERDICT_RULES.direction} Then ${VERDICT_RULES.all}`,
      });
    }
    const position = stochastic(A).flatMap((m) =>
      STRUCTURES.map((s) => {
        const own = ci.method('A', m.label, `auc:${s}:ASSD_WITHIN`);
        const pos = ci.method('A', m.label, `auc:${s}:POSITION`);
        const d = own && pos ? ci.interval('A', differenceOf(own, pos)) : null;
        return { label: m.label, s, d, verdict: directionVerdict(intervalOf(d), 'below') };
      }),
    );
    out.push({
      topic: 'QC: uncertainty against the slice-position heuristic',
      paper:
        'Uncertainty was more useful than reviewing the most basal and apical slices first (lower AUC, fewer images to review).',
      ours: `ASSD-within AUC − slice-position AUC per (method, structure) of the stochastic methods, paired: ${verdictCounts(position.map((p) => p.verdict))} of ${position.length} (${position.map((p) => `${p.label} ${p.s} ${diff(p.d)}`).join('; ')}).`,
      verdict: allVerdict(position.map((p) => p.verdict)),
      rule: `Per pair, the difference should be < 0: ${VERDICT_RULES.direction} Then ${VERDICT_RULES.all}`,
    });
    const saving = timeSavings(qc, DE, 'ASSD_WITHIN');
    if (saving) {
      const hours = (baseline: 'RANDOM' | 'POSITION') => hoursSavedInterval(ci, DE, 'ASSD_WITHIN', baseline);
      const vsRandom = hours('RANDOM');
      const vsPosition = hours('POSITION');
      out.push({
        topic: 'QC: time saved (10 000 subjects × 10 slices × 30 s per structure)',
        paper: `≈ ${PAPER.hoursVsRandom} h against random review and ≈ ${PAPER.hoursVsPosition} h against the slice-position heuristic (DE, ASSD-within).`,
        ours: `From our ${DE} curves: ${saving.vsRandom.toFixed(0)} h [${vsRandom?.interval?.map((v) => v.toFixed(0)).join(', ') ?? '—'}] against random review, ${saving.vsPosition.toFixed(0)} h [${vsPosition?.interval?.map((v) => v.toFixed(0)).join(', ') ?? '—'}] against slice position.`,
        verdict: allVerdict([
          directionVerdict(intervalOf(vsRandom), 'above'),
          directionVerdict(intervalOf(vsPosition), 'above'),
        ]),
        rule: `Both savings should be > 0 (the magnitude depends on the share of poor segmentations): ${VERDICT_RULES.direction} Then ${VERDICT_RULES.all}`,
      });
    }
  }

  // 6. BBB weight σ: a property of the trained weights, not of test subjects.
  const bbb = data.variants.find((v) => v.label === 'BBB' && v.repeat === 0);
  const sigma = bbb?.training.checkpoints[0]?.layerStats?.sigma;
  if (sigma && sigma.length >= 3) {
    const medians = sigma.map((s) => Number(s.median));
    const k = Math.max(1, Math.floor(medians.length / 4));
    const early = mean(medians.slice(0, k))!;
    const mid = Math.floor(medians.length / 2);
    const middle = mean(medians.slice(Math.max(0, mid - 1), mid + 2))!;
    const ratio = middle / early;
    out.push({
      topic: 'BBB: learned σ per layer',
      paper: 'σ of the weights is lower in the early layers and higher in the middle layers of the U-Net.',
      ours: `Median σ of the first ${k} layer(s) ${early.toExponential(2)}, of the middle layers ${middle.toExponential(2)} (ratio ${ratio.toFixed(2)}).`,
      verdict: ratio > 1 + SIGMA_MARGIN ? 'agrees' : ratio < 1 - SIGMA_MARGIN ? 'differs' : 'inconclusive',
      rule: `Not a figure of test subjects (no subject interval): agrees if the middle median is more than ${100 * SIGMA_MARGIN} % above the early one, differs if more than ${100 * SIGMA_MARGIN} % below, inconclusive within ±${100 * SIGMA_MARGIN} %.`,
    });
  }

  // 7. Timings: measured durations, not subject figures.
  const t = timings(data);
  if (t.length) {
    const perNet = t.map((x) => ({ label: x.label, s: x.trainingComputeS / Math.max(1, x.members) }));
    const bbbTime = perNet.find((x) => x.label === 'BBB');
    const others = perNet.filter((x) => x !== bbbTime);
    out.push({
      topic: 'Training time per network',
      paper: `BBB slowest (≈ ${PAPER.trainingHours.BBB} h), MC Dropout ≈ ${PAPER.trainingHours.MCD} h, plain U-Net ≈ ${PAPER.trainingHours.PLAIN} h on a P100.`,
      ours: `Summed epoch time per network: ${perNet.map((x) => `${x.label} ${(x.s / 60).toFixed(1)} min`).join(', ')} (wasm, CPU shared between concurrent jobs).`,
      verdict: !bbbTime
        ? 'n/a'
        : others.some((x) => x.s > bbbTime.s * (1 + TIMING_MARGIN))
          ? 'differs'
          : others.every((x) => bbbTime.s > x.s * (1 + TIMING_MARGIN))
            ? 'agrees'
            : 'inconclusive',
      rule: `Not a figure of test subjects (durations on a shared CPU): agrees if BBB's training per network is more than ${100 * TIMING_MARGIN} % longer than every other method's, differs if another's is more than ${100 * TIMING_MARGIN} % longer than BBB's, inconclusive otherwise.`,
    });
  }
  return out;
}

/** A method's mean over LV, MYO, RV of the ASSD-within QC AUC on site A (repeat mean). */
function aucOverStructures(ci: ReportIntervals, label: string): Resampled | null {
  const figures = STRUCTURES.map((s) => ci.method('A', label, `auc:${s}:ASSD_WITHIN`));
  return figures.every((f) => f) ? meanOf(figures as Resampled[]) : null;
}

/** "12 agree, 3 differ, 5 inconclusive (1 n/a)" over findings. */
export function findingsTally(fs: Finding[]): string {
  const n = (v: Verdict) => fs.filter((x) => x.verdict === v).length;
  return `${n('agrees')} agree, ${n('differs')} differ, ${n('inconclusive')} inconclusive${n('n/a') ? ` (${n('n/a')} not applicable: a method the claim names is missing)` : ''}`;
}
