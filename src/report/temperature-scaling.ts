/**
 * The report's "Temperature scaling: calibration before and after" (docs/design.md "Temperature
 * scaling" and "The report" → "Temperature scaling"): every tempered (+TS) evaluation of the
 * study's trainings found in the store, paired with the untempered evaluation of the same training
 * run, dataset, split (and subject sample), distortion, T and test-time augmentation. Per pair NLL, Brier and ECE before
 * and after with subject-bootstrap 95 % intervals, and the interval of after − before on the same
 * drawn subjects (paired). Temperature scaling never changes the argmax, so accuracy is not shown.
 */
import { fixed, REPORT_BOOTSTRAP, withInterval, evaluationFigure } from './analysis';
import type { Calibration, ReportData, Training } from './collect';
import type { Block } from './document';
import type { GqlClient } from './graphql-client';
import { signed } from './signed-number';
import { differenceOf, Resampler, type BootstrapInterval } from './subject-intervals';
import { directionVerdict, VERDICT_RULES } from './verdicts';

export interface PairedEvaluation {
  id: string;
  variant: string;
  calibration: Calibration;
}

export interface TemperaturePair {
  label: string;
  repeat: number;
  trainingRunId: string;
  /** The fitted temperature the tempered evaluation applied (its run config). */
  temperature: number | null;
  dataset: string;
  split: string | null;
  distortionKind: string;
  distortionLevel: number;
  samples: number;
  before: PairedEvaluation;
  after: PairedEvaluation;
}

interface Listed {
  id: string;
  variant: string;
  datasetId: string;
  split: string | null;
  distortionKind: string;
  distortionLevel: number;
  samples: number;
  dataset: { name: string };
  run: { status: string; config: any };
}

const sameSetting = (a: Listed, b: Listed) =>
  a.datasetId === b.datasetId &&
  a.split === b.split &&
  a.distortionKind === b.distortionKind &&
  a.distortionLevel === b.distortionLevel &&
  a.samples === b.samples &&
  !!a.run.config.testTimeAugmentation === !!b.run.config.testTimeAugmentation &&
  // A sweep's degree 0 on a subject sample is not the evaluation of every test subject.
  JSON.stringify(a.run.config.subjectSample ?? null) === JSON.stringify(b.run.config.subjectSample ?? null);

/** The +TS evaluations of these trainings, each paired with its newest untempered twin (none: left out). */
export async function temperaturePairs(gql: GqlClient, trainings: Training[]): Promise<TemperaturePair[]> {
  const found: Array<Omit<TemperaturePair, 'before' | 'after'> & { before: string; after: Listed; beforeRow: Listed }> =
    [];
  for (const t of trainings) {
    const { evaluations } = await gql<{ evaluations: Listed[] }>(
      `query($id: ID) { evaluations(trainingRunId: $id) {
        id variant datasetId split distortionKind distortionLevel samples dataset { name } run { status config } } }`,
      { id: t.run.id },
    );
    const done = evaluations.filter((e) => e.run.status === 'SUCCEEDED');
    for (const after of done.filter((e) => e.run.config.temperatureScaling)) {
      // Newest first: the first untempered evaluation of the same setting is the newest.
      const before = done.find((e) => !e.run.config.temperatureScaling && sameSetting(e, after));
      if (!before) continue;
      found.push({
        label: t.label,
        repeat: t.repeat,
        trainingRunId: t.run.id,
        temperature: after.run.config.temperatureScaling?.temperature ?? null,
        dataset: after.dataset.name,
        split: after.split,
        distortionKind: after.distortionKind,
        distortionLevel: after.distortionLevel,
        samples: after.samples,
        before: before.id,
        beforeRow: before,
        after,
      });
    }
  }
  const ids = found.flatMap((p) => [p.before, p.after.id]);
  const calibration = new Map<string, Calibration>();
  for (let i = 0; i < ids.length; i += 50) {
    const data = await gql<{ compare: Array<{ evaluationId: string; calibration: Calibration }> }>(
      `query($ids: [ID!]!) { compare(evaluationIds: $ids) { evaluationId calibration { bins ece nll brier points { binCentre confidence accuracy count } } } }`,
      { ids: ids.slice(i, i + 50) },
    );
    for (const row of data.compare) calibration.set(row.evaluationId, row.calibration);
  }
  return found.map(({ beforeRow, after, before, ...rest }) => ({
    ...rest,
    before: { id: before, variant: beforeRow.variant, calibration: calibration.get(before)! },
    after: { id: after.id, variant: after.variant, calibration: calibration.get(after.id)! },
  }));
}

export const CALIBRATION_FIGURES = [
  { key: 'nll', name: 'NLL' },
  { key: 'brier', name: 'Brier' },
  { key: 'ece', name: 'ECE' },
] as const;

export interface TemperatureChange {
  pair: TemperaturePair;
  figures: Array<{
    key: (typeof CALIBRATION_FIGURES)[number]['key'];
    before: BootstrapInterval | null;
    after: BootstrapInterval | null;
    /** after − before on the same drawn subjects. */
    change: BootstrapInterval | null;
  }>;
}

/** Per pair, the three calibration figures before and after and their paired change. */
export function temperatureChanges(data: ReportData): TemperatureChange[] {
  return data.temperature.map((pair) => {
    const rows = new Map([pair.before.id, pair.after.id].map((id) => [id, data.slices.get(id) ?? []]));
    const r = new Resampler(rows, { seed: REPORT_BOOTSTRAP.seedA, resamples: REPORT_BOOTSTRAP.resamples });
    return {
      pair,
      figures: CALIBRATION_FIGURES.map(({ key }) => {
        const before = evaluationFigure(r.of(pair.before.id)!, key);
        const after = evaluationFigure(r.of(pair.after.id)!, key);
        return {
          key,
          before: r.interval(before),
          after: r.interval(after),
          change: r.interval(differenceOf(after, before)),
        };
      }),
    };
  });
}

const signed4 = (x: number) => signed(x, 4);

/** The section: a table per tempered evaluation, and a one-line finding; says so when there is none. */
export function temperatureBlocks(data: ReportData): Block[] {
  const blocks: Block[] = [{ type: 'h3', text: 'Temperature scaling: calibration before and after' }];
  if (!data.temperature.length) {
    blocks.push({
      type: 'p',
      text: "None: the store holds no tempered (+TS) evaluation of this study's trainings paired with an untempered one. `fitTemperature(trainingRunId)` fits T on the validation split; `startEvaluation(input: { …, temperatureScaling: true })` evaluates with it, and this section then compares it with the untempered evaluation of the same training, split and distortion.",
    });
    return blocks;
  }
  const changes = temperatureChanges(data);
  blocks.push({
    type: 'p',
    text: `One scalar T per trained model, fitted on the validation split by minimising NLL and applied to every posterior sample (argmax, Dice and distances unchanged). Each row pairs the tempered evaluation with the untempered evaluation of the same training run, dataset, split, distortion, T and TTA; values [95 % subject-bootstrap intervals, ${REPORT_BOOTSTRAP.resamples} resamples], and the change after − before with the interval of the paired difference (the same drawn subjects for both). Verdict per figure: ${VERDICT_RULES.direction}`,
  });
  const f4 = fixed(4);
  blocks.push({
    type: 'table',
    caption: 'Temperature scaling: calibration before → after (lower is better)',
    header: [
      'method',
      'evaluation',
      'T',
      ...CALIBRATION_FIGURES.flatMap((c) => [`${c.name} before`, `${c.name} after`, `Δ ${c.name}`]),
    ],
    rows: changes.map(({ pair, figures }) => [
      `${pair.after.variant}${pair.repeat ? ` r${pair.repeat}` : ''}`,
      `${pair.dataset}${pair.split ? ` ${pair.split}` : ''}${pair.distortionKind === 'NONE' ? '' : ` ${pair.distortionKind} ${pair.distortionLevel}`}, T = ${pair.samples}`,
      pair.temperature === null ? '—' : pair.temperature.toFixed(3),
      ...figures.flatMap((x) => {
        const b = pair.before.calibration[x.key];
        const a = pair.after.calibration[x.key];
        return [
          withInterval(b, x.before, f4),
          withInterval(a, x.after, f4),
          withInterval(a !== null && b !== null ? a - b : null, x.change, signed4),
        ];
      }),
    ]),
  });
  const verdicts = changes.flatMap(({ figures }) =>
    figures.map((x) => ({ key: x.key, verdict: directionVerdict(x.change?.interval ?? null, 'below') })),
  );
  const count = (key: string, v: string) => verdicts.filter((x) => x.key === key && x.verdict === v).length;
  blocks.push({
    type: 'p',
    text: `Finding: over ${changes.length} tempered evaluation(s), temperature scaling lowered ${CALIBRATION_FIGURES.map((c) => `${c.name} for ${count(c.key, 'agrees')} (raised for ${count(c.key, 'differs')}, inconclusive for ${count(c.key, 'inconclusive')})`).join('; ')}.`,
  });
  return blocks;
}
