/**
 * File uploads on the API server (docs/design.md "Uploads"): `POST /uploads?name=<file>.nii.gz`
 * with the file's bytes as the body stages one NIfTI file and answers 201 `{ id, name, bytes,
 * sha256 }`; the `importUpload` mutation then makes a dataset of staged files
 * (src/services/uploads.ts). Mounted behind the same guards as /graphql (API key or open mode's
 * Host/Origin checks, rate limit); staging needs the operator role, as importing does.
 *
 * Cross-site request forgery: a page on another site can make a browser send a "simple" request
 * (a form post: urlencoded, multipart or text/plain, no custom header) without asking first.
 * An upload must carry the header `x-cardiac-uq-upload: 1` and the content type
 * application/octet-stream (or application/gzip), neither of which a simple request can have, so a
 * browser sends it cross-site only after a CORS preflight that this server answers only for
 * CARDIAC_UQ_CORS_ORIGINS. Refused: 400 PREFLIGHT_REQUIRED without the header, 415 with another
 * content type; nothing is written.
 *
 * The body is streamed to disk, never buffered: a Content-Length over CARDIAC_UQ_MAX_UPLOAD_BYTES
 * is refused 413 before reading, a body that grows past it is cut off 413 mid-stream; a file that
 * does not start as its name says (gzip magic for .nii.gz, a NIfTI-1 or -2 header size for .nii)
 * is refused 400 BAD_FORMAT; either way the partial file is removed. Everything else about the
 * file (header, dimensions, voxels, labels) is checked by the importer, as for a folder.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import express from 'express';
import { UPLOAD_NAME, uploadFolders } from '../services/uploads';
import { principalOf, roleRank } from './auth';

export const UPLOAD_HEADER = 'x-cardiac-uq-upload';
const CONTENT_TYPES = new Set(['application/octet-stream', 'application/gzip', 'application/x-gzip']);

class Refused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The first bytes a file of this name must start with: gzip's magic, or sizeof_hdr 348 / 540 either way round. */
function startsRight(name: string, head: Buffer): boolean {
  if (name.endsWith('.gz')) return head[0] === 0x1f && head[1] === 0x8b;
  if (head.length < 4) return false;
  return [348, 540].some((size) => head.readInt32LE(0) === size || head.readInt32BE(0) === size);
}

/** Counts and hashes the bytes going through; refuses a wrong start or a body past `maxBytes`. */
function checkedBytes(name: string, maxBytes: number) {
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  let head = Buffer.alloc(0);
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (bytes > maxBytes)
        return done(new Refused(413, 'PAYLOAD_TOO_LARGE', `the file is larger than the limit of ${maxBytes} bytes`));
      if (head.length < 4) {
        head = Buffer.concat([head, chunk]);
        if (head.length >= 4 && !startsRight(name, head))
          return done(
            new Refused(400, 'BAD_FORMAT', `${name} does not start as a ${path.extname(name)} NIfTI file does`),
          );
      }
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      done(startsRight(name, head) ? null : new Refused(400, 'BAD_FORMAT', `${name} is too short for a NIfTI file`));
    },
  });
  return { stream, result: () => ({ bytes, sha256: hash.digest('hex') }) };
}

function refuse(res: express.Response, refusal: Refused) {
  res.status(refusal.status).json({ errors: [{ message: refusal.message, extensions: { code: refusal.code } }] });
}

/** Why a request may not stage a file (before any byte is read), or null. */
function refusalOf(req: express.Request, res: express.Response, maxBytes: number, localActor: string): Refused | null {
  if (req.get(UPLOAD_HEADER) !== '1')
    return new Refused(
      400,
      'PREFLIGHT_REQUIRED',
      `an upload must carry the header "${UPLOAD_HEADER}: 1" (it keeps other sites' pages from posting files here)`,
    );
  const type = (req.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (!CONTENT_TYPES.has(type))
    return new Refused(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the file itself as the body, as application/octet-stream');
  const role = principalOf(res, localActor).role;
  if (roleRank(role) < roleRank('OPERATOR'))
    return new Refused(403, 'FORBIDDEN', `uploads need the operator role (your key has ${role.toLowerCase()})`);
  const name = typeof req.query.name === 'string' ? req.query.name : '';
  if (!UPLOAD_NAME.test(name))
    return new Refused(
      400,
      'BAD_USER_INPUT',
      'name the file with ?name=<file>.nii.gz or .nii (letters, digits, . _ -, no folders)',
    );
  const declared = Number(req.get('content-length'));
  if (declared > maxBytes)
    return new Refused(413, 'PAYLOAD_TOO_LARGE', `the file is ${declared} bytes; the limit is ${maxBytes}`);
  return null;
}

export function uploadRoutes(options: { dir: string; maxBytes: number; localActor: string }): express.Router {
  const router = express.Router();
  router.post('/', (req, res, next) => {
    const early = refusalOf(req, res, options.maxBytes, options.localActor);
    if (early) {
      // Not reading a body we refuse: answer and close rather than drain it.
      res.set('connection', 'close');
      return refuse(res, early);
    }
    const name = req.query.name as string;
    const id = crypto.randomUUID();
    const dir = path.join(uploadFolders(options.dir).files, id);
    const checked = checkedBytes(name, options.maxBytes);
    // The request is piped, not put in the pipeline: a pipeline's error would destroy the
    // request's socket, and with it the 413 or 400 that says why.
    req.on('close', () => {
      if (!req.complete) checked.stream.destroy(new Error('the client went away mid-upload'));
    });
    (async () => {
      fs.mkdirSync(dir, { recursive: true });
      const partial = path.join(dir, `${name}.part`);
      const written = pipeline(checked.stream, fs.createWriteStream(partial, { flags: 'wx' }));
      req.pipe(checked.stream);
      await written;
      fs.renameSync(partial, path.join(dir, name));
      res.status(201).json({ id, name, ...checked.result() });
    })().catch((error: unknown) => {
      req.unpipe(checked.stream);
      fs.rmSync(dir, { recursive: true, force: true });
      if (res.headersSent || (!req.complete && req.destroyed)) return;
      if (error instanceof Refused) {
        // The rest of the body is not read: close the connection once the answer is out.
        res.set('connection', 'close').on('finish', () => req.destroy());
        return refuse(res, error);
      }
      next(error);
    });
  });
  return router;
}
