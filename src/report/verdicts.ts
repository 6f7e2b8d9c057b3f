/**
 * The rules by which a finding's verdict follows from 95 % intervals (docs/design.md "The report"
 * → "Intervals and verdicts"). Every comparison is judged by the interval of a difference (paired
 * by subject resample when both sides are on the same subjects), never by point estimates alone:
 *   - direction: the paper says the difference d is > 0 (or < 0). agrees: the interval excludes 0
 *     on the paper's side; differs: it excludes 0 on the other side; inconclusive: it contains 0.
 *   - equivalence: the paper says two figures are comparable (|d| ≤ margin). agrees: the interval
 *     lies inside [−margin, margin]; differs: it lies wholly outside it; inconclusive otherwise.
 *   - all (a claim made of several comparisons): differs if any comparison differs, agrees if
 *     every one agrees, inconclusive otherwise; `n/a` when none could be judged.
 *   - any (the paper: "for at least one method"): agrees if any agrees, differs if all differ.
 *   - order (the paper ranks methods): every pair (better, worse) of the paper's order is a
 *     direction comparison, combined by `all`.
 * A comparison without an interval (no subject rows, or no resample defined it) is inconclusive.
 */
export type Verdict = 'agrees' | 'differs' | 'inconclusive' | 'n/a';
export type Interval = readonly [number, number] | null;

export const VERDICT_RULES = {
  direction:
    "agrees: the paper's direction holds and the 95 % interval of the difference excludes 0; differs: the opposite direction with the interval excluding 0; inconclusive: the interval contains 0.",
  equivalence: (margin: number) =>
    `agrees: the 95 % interval of the difference lies inside ±${margin}; differs: it lies wholly outside ±${margin}; inconclusive: it straddles a bound.`,
  all: 'the finding agrees when every comparison agrees, differs when any comparison differs, and is inconclusive otherwise.',
  any: 'the finding agrees when any comparison agrees, differs when all differ, and is inconclusive otherwise.',
  order:
    "each pair of methods in the paper's order (better, worse) is judged by the interval of its paired difference — agrees: the paper's ordering holds and the interval excludes 0; differs: the opposite ordering with the interval excluding 0; inconclusive: the interval contains 0; the finding agrees when every pair agrees, differs when any pair differs, and is inconclusive otherwise.",
};

/** Verdict on a difference the paper says is above (> 0) or below (< 0) zero. */
export function directionVerdict(interval: Interval, expected: 'above' | 'below'): Verdict {
  if (!interval) return 'inconclusive';
  const [lo, hi] = interval;
  if (lo > 0) return expected === 'above' ? 'agrees' : 'differs';
  if (hi < 0) return expected === 'below' ? 'agrees' : 'differs';
  return 'inconclusive';
}

/** Verdict on "comparable": the difference within ±margin. */
export function equivalenceVerdict(interval: Interval, margin: number): Verdict {
  if (!interval) return 'inconclusive';
  const [lo, hi] = interval;
  if (lo >= -margin && hi <= margin) return 'agrees';
  if (lo > margin || hi < -margin) return 'differs';
  return 'inconclusive';
}

/** Every comparison must hold; one that differs decides. `n/a` ones are left out. */
export function allVerdict(verdicts: readonly Verdict[]): Verdict {
  const judged = verdicts.filter((v) => v !== 'n/a');
  if (!judged.length) return 'n/a';
  if (judged.includes('differs')) return 'differs';
  return judged.every((v) => v === 'agrees') ? 'agrees' : 'inconclusive';
}

/** At least one comparison must hold; all differing decides against. */
export function anyVerdict(verdicts: readonly Verdict[]): Verdict {
  const judged = verdicts.filter((v) => v !== 'n/a');
  if (!judged.length) return 'n/a';
  if (judged.includes('agrees')) return 'agrees';
  return judged.every((v) => v === 'differs') ? 'differs' : 'inconclusive';
}

export interface PairVerdict {
  better: string;
  worse: string;
  interval: Interval;
  verdict: Verdict;
}

/**
 * The paper's ranking `order` (best first) against ours: each pair (order[i], order[j]), i < j,
 * judged by the interval of difference(order[i], order[j]) (= better − worse), which should be
 * above 0 when higher is better and below 0 when lower is better.
 */
export function orderVerdict(
  order: readonly string[],
  difference: (better: string, worse: string) => Interval,
  higherIsBetter: boolean,
): { verdict: Verdict; pairs: PairVerdict[] } {
  const pairs: PairVerdict[] = [];
  for (let i = 0; i < order.length; i++)
    for (let j = i + 1; j < order.length; j++) {
      const interval = difference(order[i], order[j]);
      pairs.push({
        better: order[i],
        worse: order[j],
        interval,
        verdict: directionVerdict(interval, higherIsBetter ? 'above' : 'below'),
      });
    }
  return { verdict: order.length < 2 ? 'n/a' : allVerdict(pairs.map((p) => p.verdict)), pairs };
}

/** "agrees 3, differs 1, inconclusive 2" of a set of comparisons. */
export function verdictCounts(verdicts: readonly Verdict[]): string {
  return (['agrees', 'differs', 'inconclusive'] as const)
    .map((v) => `${v} ${verdicts.filter((x) => x === v).length}`)
    .join(', ');
}
