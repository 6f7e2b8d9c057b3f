/**
 * A synthetic results store written straight in SQL (INSERT … SELECT over generate_series), for
 * the store's scale benchmark and the SQL-against-engine tests: subjects of `sliceCount` slices,
 * `evaluations` evaluations over all of them, three structure rows and one image row per
 * prediction. Values come from Postgres' random() after setseed(seed); with `ties` every score is
 * rounded to a 20-step grid, so many rows share one. No audit events: these rows were never
 * written by a shard.
 */
import type { Store } from '../../src/db/client';

export interface SyntheticStore {
  datasetId: string;
  trainingRunId: string;
  evaluationIds: string[];
}

export async function seedSyntheticResults(
  store: Store,
  options: {
    slices: number;
    evaluations: number;
    seed?: number;
    ties?: boolean;
    sliceCount?: number;
    name?: string;
    /** Reliability histograms that differ per slice (otherwise every slice has the same). */
    randomBins?: boolean;
  },
): Promise<SyntheticStore> {
  const sliceCount = options.sliceCount ?? 10;
  const subjects = Math.ceil(options.slices / sliceCount);
  const v = (expr: string) => (options.ties ? `round((${expr}) * 20) / 20` : expr);
  // Correlated with the row (p.id), so Postgres draws each slice's histogram anew.
  const bins = (expr: string, fixed: string) =>
    options.randomBins ? `ARRAY(SELECT ${expr} + 0 * length(p.id::text) FROM generate_series(1, 15))` : fixed;
  await store.$executeRawUnsafe(`SELECT setseed(${(options.seed ?? 0.5) % 1})`);
  const [{ id: datasetRunId }] = await store.$queryRaw<Array<{ id: string }>>`
    INSERT INTO "Run" (id, kind, config, status, "codeVersion", "createdBy") VALUES (gen_random_uuid(), 'DATASET', '{}', 'SUCCEEDED', 'synthetic', 'synthetic') RETURNING id::text`;
  const name = options.name ?? `synthetic-${datasetRunId}`;
  const [{ id: datasetId }] = await store.$queryRaw<Array<{ id: string }>>`
    INSERT INTO "Dataset" (id, name, source, site, "contentHash", "createdBy", "createdByRunId")
    VALUES (gen_random_uuid(), ${name}, 'PHANTOM', 'A', md5(${name}), 'synthetic', ${datasetRunId}::uuid) RETURNING id::text`;
  await store.$executeRaw`
    INSERT INTO "Subject" (id, "datasetId", "externalId", "group", split)
    SELECT gen_random_uuid(), ${datasetId}::uuid, 's' || i, (ARRAY['NOR', 'DCM', 'HCM'])[1 + i % 3], 'TEST' FROM generate_series(0, ${subjects - 1}) i`;
  await store.$executeRaw`
    INSERT INTO "Slice" (id, "subjectId", phase, "sliceIndex", "sliceCount", position, "spacingXMm", "spacingYMm", rows, cols, image, label, "contentHash")
    SELECT gen_random_uuid(), su.id, (CASE WHEN z % 2 = 0 THEN 'ED' ELSE 'ES' END)::"Phase", z / 2, ${sliceCount}::int / 2 + (${sliceCount}::int % 2) * (1 - z % 2),
      (z / 2)::float8 / greatest(1, ${sliceCount}::int / 2 - 1), 1.8, 1.8, 2, 2, '\\x00000000000000000000000000000000'::bytea, '\\x00010203'::bytea, md5(su.id::text || z)
    FROM "Subject" su, generate_series(0, ${sliceCount - 1}) z WHERE su."datasetId" = ${datasetId}::uuid`;
  const [{ id: trainingRunId }] = await store.$queryRaw<Array<{ id: string }>>`
    INSERT INTO "Run" (id, kind, method, config, status, "codeVersion", "createdBy") VALUES (gen_random_uuid(), 'TRAIN', 'MC_DROPOUT', '{}', 'SUCCEEDED', 'synthetic', 'synthetic') RETURNING id::text`;
  const evaluationIds: string[] = [];
  for (let e = 0; e < options.evaluations; e++) {
    const [{ id: runId }] = await store.$queryRaw<Array<{ id: string }>>`
      INSERT INTO "Run" (id, kind, config, status, "codeVersion", "createdBy") VALUES (gen_random_uuid(), 'EVALUATE', '{}', 'SUCCEEDED', 'synthetic', 'synthetic') RETURNING id::text`;
    const [{ id: evaluationId }] = await store.$queryRaw<Array<{ id: string }>>`
      INSERT INTO "Evaluation" (id, "runId", "trainingRunId", "datasetId", samples, "metricVersion")
      VALUES (gen_random_uuid(), ${runId}::uuid, ${trainingRunId}::uuid, ${datasetId}::uuid, 20, 1) RETURNING id::text`;
    await store.$executeRaw`
      INSERT INTO "Prediction" (id, "evaluationId", "sliceId", shard, "labelMap")
      SELECT gen_random_uuid(), ${evaluationId}::uuid, s.id, (row_number() OVER (ORDER BY s.id) - 1) / 16, '\\x00'::bytea
      FROM "Slice" s JOIN "Subject" su ON su.id = s."subjectId" WHERE su."datasetId" = ${datasetId}::uuid`;
    await store.$executeRawUnsafe(`
      INSERT INTO "StructureMetric" ("predictionId", "evaluationId", structure, status, dice, "assdMm", "hdMm", "hd95Mm", "diceWithin", "assdWithinMm", poor, "metricVersion")
      SELECT id, '${evaluationId}'::uuid, st, CASE WHEN assd IS NULL THEN 'PRED_EMPTY' ELSE 'OK' END::"MetricStatus", dice, assd, assd * 3, assd * 2, dw, aw, assd IS NULL OR assd > 1.5, 1
      FROM (SELECT p.id, st, random() AS dice, CASE WHEN random() < 0.03 THEN NULL ELSE 0.2 + 3.8 * random() END AS assd,
                   ${v('random()')} AS dw, CASE WHEN random() < 0.02 THEN NULL ELSE ${v('2 * random()')} END AS aw
            FROM "Prediction" p, unnest(ARRAY['LV', 'MYO', 'RV']::"Structure"[]) st WHERE p."evaluationId" = '${evaluationId}'::uuid) x`);
    await store.$executeRawUnsafe(`
      INSERT INTO "ImageMetric" ("predictionId", "evaluationId", nll, brier, entropy, mi, pixels, "binCounts", "binConfidenceSum", "binCorrect", "metricVersion")
      SELECT p.id, '${evaluationId}'::uuid, random(), random(), ${v('random()')}, ${v('random()')} / 10, 4,
        ${bins('(1 + floor(random() * 6))::int', 'array_fill(2, ARRAY[15])')}, ${bins('random() * 4', 'array_fill(1.0::float8, ARRAY[15])')},
        ${bins('floor(random() * 5)::int', 'array_fill(1, ARRAY[15])')}, 1
      FROM "Prediction" p WHERE p."evaluationId" = '${evaluationId}'::uuid`);
    evaluationIds.push(evaluationId);
  }
  return { datasetId, trainingRunId, evaluationIds };
}
