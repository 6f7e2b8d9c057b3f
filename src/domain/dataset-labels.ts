/**
 * The label values a dataset's files use (docs/design.md "Importing data"): every import records
 * its map in `Dataset.generatorParams.labels` (ACDC's RV 1, MYO 2, LV 3; M&Ms' LV 1, MYO 2, RV 3)
 * so results can be written back, and read back in, in the dataset's own numbering. Datasets
 * without one (phantoms, imports from before the map was recorded) use ACDC's, as they were made.
 */
import { z } from 'zod';
import { ACDC_LABELS, type LabelMap } from '../engine/data/types';
import { parseStored } from './stored-data';

const value = z.number().int().min(1).max(255);
const Params = z
  .object({ labels: z.object({ RV: value, MYO: value, LV: value }).optional() })
  .nullable()
  .optional();

export function datasetLabels(dataset: { id: string; generatorParams: unknown }): LabelMap {
  const params = parseStored(Params, dataset.generatorParams, `dataset ${dataset.id} (generatorParams)`);
  return params?.labels ?? ACDC_LABELS;
}
