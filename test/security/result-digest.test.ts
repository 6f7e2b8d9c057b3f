/**
 * The shard digest's serialisation, pinned by rebuilding it by hand from raw SQL (not Prisma, not
 * the digest module): the format docs/operations.md and src/db/result-digest.ts describe, so an
 * auditor's own tool can recompute what the shard writer records.
 */
import crypto from 'node:crypto';
import { createDatabase, testServers } from '../support/databases';
import { seedStore, sql } from './integrity-seed';

const s = (text: string) => `s${Buffer.byteLength(text, 'utf8')}:${text}`;
const d = (x: number) => `d${String(x)};`;
const n = (x: number | null) => (x === null ? 'n;' : d(x));
const t = (iso: string) => `T${iso};`;

test('an evaluation shard digest is SHA-256 over the documented row serialisation', async () => {
  const db = await createDatabase(testServers()[0]);
  try {
    const seeded = await seedStore(db.url);
    const q = async (text: string, values: unknown[]) => (await sql(db.url, text, values)).rows;
    const iso = `to_char("createdAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created`;
    const [e] = await q(`SELECT *, ${iso} FROM "Evaluation" WHERE id = $1`, [seeded.evaluationId]);
    const links = await q(
      'SELECT "checkpointId" FROM "EvaluationCheckpoint" WHERE "evaluationId" = $1 ORDER BY "checkpointId"',
      [e.id],
    );
    const parts: Array<string | Buffer> = [s('cardiac-uq evaluation shard digest v1')];
    parts.push(
      `r13:${s(e.id)}${s(e.runId)}${s(e.trainingRunId)}${s(e.datasetId)}${s(e.split)}${s(e.distortionKind)}${d(e.distortionLevel)}${d(e.samples)}${e.storeSamples ? 't;' : 'f;'}${d(e.calibrationBins)}${d(e.metricVersion)}${t(e.created)}a${links.length}:${links.map((l) => s(l.checkpointId)).join('')}`,
    );
    const predictions = await q(
      `SELECT *, ${iso} FROM "Prediction" WHERE "evaluationId" = $1 AND shard = 1 ORDER BY id`,
      [e.id],
    );
    expect(predictions).toHaveLength(3);
    parts.push(d(predictions.length));
    for (const p of predictions) {
      parts.push(
        `r8:${s(p.id)}${s(p.evaluationId)}${s(p.sliceId)}${d(p.shard)}b${p.labelMap.length}:`,
        p.labelMap,
        'n;n;',
        t(p.created),
      );
      const structures = await q('SELECT * FROM "StructureMetric" WHERE "predictionId" = $1 ORDER BY structure', [
        p.id,
      ]);
      expect(structures.map((m) => m.structure)).toEqual(['LV', 'MYO', 'RV']);
      parts.push(d(structures.length));
      for (const m of structures) {
        parts.push(
          `r12:${s(m.predictionId)}${s(m.evaluationId)}${s(m.structure)}${s(m.status)}${d(m.dice)}${n(m.assdMm)}${n(m.hdMm)}${n(m.hd95Mm)}${n(m.diceWithin)}${n(m.assdWithinMm)}${m.poor ? 't;' : 'f;'}${d(m.metricVersion)}`,
        );
      }
      const [i] = await q('SELECT * FROM "ImageMetric" WHERE "predictionId" = $1', [p.id]);
      const list = (xs: number[]) => `a${xs.length}:${xs.map(d).join('')}`;
      parts.push(
        `r11:${s(i.predictionId)}${s(i.evaluationId)}${d(i.nll)}${d(i.brier)}${d(i.entropy)}${d(i.mi)}${d(i.pixels)}${list(i.binCounts)}${list(i.binConfidenceSum)}${list(i.binCorrect)}${d(i.metricVersion)}`,
      );
      parts.push('d0;'); // no samples in shard 1
    }
    const expected = crypto
      .createHash('sha256')
      .update(Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : part))))
      .digest('hex');
    const [event] = await q(
      "SELECT details FROM \"AuditEvent\" WHERE action = 'evaluation.shard.stored' AND details::jsonb ->> 'shard' = '1'",
      [],
    );
    expect(JSON.parse(event.details)).toMatchObject({ digest: expected, digestVersion: 1 });
    // The seeded values that make float formatting matter (0.1 + 0.2 + 1/3 and 1e-300) went in and out exactly.
    expect(parts.join('')).toContain('d1e-300;');
  } finally {
    await db.drop();
  }
});
