/**
 * File downloads on the API server (docs/design.md "Exporting results"): an inference's files per
 * subject and phase at `GET /files/inference/:inferenceId/subject/:subjectId/:phase/:kind` (kind
 * seg.nii.gz, entropy.nii.gz, mi.nii.gz, qc.json or qc.csv), built on request from the store
 * (src/services/inference-export.ts). Mounted behind the same guards as /graphql (API key, rate
 * limit), so the same keys and roles apply: every role may read. Errors are JSON in the GraphQL
 * error shape with the same codes (404 NOT_FOUND, 409 CONFLICT for an unfinished inference or
 * results that do not make a volume, 503 DATABASE_UNAVAILABLE).
 */
import express from 'express';
import type { Store } from '../db/client';
import { isDatabaseUnavailable } from '../db/database';
import { InvalidInputError } from '../engine/errors';
import { LaunchError } from '../services/errors';
import {
  CONTENT_TYPES,
  exportStack,
  exportUnit,
  exportableInference,
  isExportKind,
} from '../services/inference-export';

const STATUS: Record<string, number> = { NOT_FOUND: 404, BAD_USER_INPUT: 400, CONFLICT: 409 };

function fail(res: express.Response, status: number, code: string, message: string) {
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

export function inferenceDownloads(store: Store): express.Router {
  const router = express.Router();
  router.get('/inference/:inferenceId/subject/:subjectId/:phase/:kind', (req, res, next) => {
    const { inferenceId, subjectId, phase, kind } = req.params;
    if (phase !== 'ED' && phase !== 'ES') return fail(res, 404, 'NOT_FOUND', `no phase ${phase} (ED or ES)`);
    if (!isExportKind(kind))
      return fail(res, 404, 'NOT_FOUND', `no file ${kind} (seg.nii.gz, entropy.nii.gz, mi.nii.gz, qc.json, qc.csv)`);
    (async () => {
      const inference = await exportableInference(store, inferenceId);
      const unit = await exportUnit(store, inferenceId, subjectId, phase);
      const [file] = await exportStack(store, inference, unit, [kind]);
      res
        .status(200)
        .type(CONTENT_TYPES[kind])
        .set('content-disposition', `attachment; filename="${file.name.replace(/[^\w.-]/g, '_')}"`)
        .set('cache-control', 'private, no-store')
        .send(Buffer.from(file.bytes));
    })().catch((error: unknown) => {
      if (error instanceof LaunchError) return fail(res, STATUS[error.code] ?? 400, error.code, error.message);
      // Stored results that do not make a volume (a stack with a slice missing): nothing to send.
      if (error instanceof InvalidInputError) return fail(res, 409, 'CONFLICT', error.message);
      if (isDatabaseUnavailable(error))
        return fail(
          res.set('retry-after', '5'),
          503,
          'DATABASE_UNAVAILABLE',
          'the database cannot be reached; try again shortly',
        );
      next(error);
    });
  });
  return router;
}
