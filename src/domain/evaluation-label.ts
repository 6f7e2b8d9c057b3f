/**
 * The one name of an evaluation that every front end shows (docs/design.md "GraphQL API",
 * `Evaluation.label`): the variant measured (evaluatedVariantLabel: the trained variant, +TTA, +TS), the training seed when the same variant
 * was trained more than once on that dataset, the dataset and its site, the split, the distortion
 * and its level, and the posterior samples T — e.g. "MCD-0.1 seed 3 · phantom-A (site A) TEST · NOISE 2 · T=20".
 * Segments are joined by " · " and the first is always the variant, so a client can group by it.
 */
export interface EvaluationLabelParts {
  variant: string;
  /** The training run's seed, shown only when `repeated`. */
  seed: number | null;
  repeated: boolean;
  datasetName: string;
  site: string | null;
  split: string | null;
  distortionKind: string;
  distortionLevel: number;
  samples: number;
}

export const LABEL_SEPARATOR = ' · ';

export function evaluationLabel(p: EvaluationLabelParts): string {
  const variant = p.repeated && p.seed !== null ? `${p.variant} seed ${p.seed}` : p.variant;
  const data = `${p.datasetName} (site ${p.site ?? '?'}) ${p.split ?? 'all splits'}`;
  const distortion = p.distortionKind === 'NONE' ? [] : [`${p.distortionKind} ${p.distortionLevel}`];
  return [variant, data, ...distortion, `T=${p.samples}`].join(LABEL_SEPARATOR);
}
