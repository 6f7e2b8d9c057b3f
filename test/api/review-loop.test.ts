/**
 * The review loop through the real HTTP server (docs/design.md "Review"): the REVIEWER role may
 * record review decisions and nothing else; accepting and correcting write SliceLabel rows and an
 * audit event; bad shapes and slices that have ground truth already are refused with nothing
 * written. The inference is written straight into the store (test/support/inference-fixture.ts).
 */
import { writeNifti } from '../../src/engine/io/nifti';
import { createApiKey } from '../../src/server/auth';
import { acceptReview, correctLabel } from '../../src/services/reviews';
import { seedInference, type InferenceFixture } from '../support/inference-fixture';
import { usePlatform } from '../support/platform';

const fixture = usePlatform('api');
const keys: Record<string, string> = {};
let inf: InferenceFixture;

async function post(query: string, variables: Record<string, unknown>, role: string) {
  const response = await fetch(fixture.api.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${keys[role]}` },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: response.status,
    body: (await response.json()) as {
      data?: any;
      errors?: Array<{ message: string; extensions?: { code?: string; reason?: string } }>;
    },
  };
}

const ACCEPT = `mutation($input: AcceptReviewInput!) {
  acceptReview(input: $input) { id decision sliceId subjectId reviewer codeVersion comment labels { sliceId source contentHash } } }`;
const CORRECT = `mutation($input: CorrectLabelInput!) {
  correctLabel(input: $input) { id decision sliceId labels { sliceId source } } }`;

// 4 × 5 slices; subject 0 has ED and ES with 2 slices each; ED z = 1 was imported with ground truth.
const mean = ({ z }: { z: number }) => new Uint8Array(20).map((_, i) => (i + z) % 4);
const at = (subject: number, phase: string, z: number) =>
  inf.slices.find((s) => s.subject === subject && s.phase === phase && s.z === z)!;

/** Rows that a refused decision must leave as they were. */
const counts = async () => ({
  reviews: await fixture.store.review.count(),
  labels: await fixture.store.sliceLabel.count(),
  events: await fixture.store.auditEvent.count(),
});

beforeAll(async () => {
  inf = await seedInference(fixture.store, {
    subjects: 3,
    phases: ['ED', 'ES'],
    slices: 2,
    mean,
    label: ({ subject, phase, z }) => (subject === 0 && phase === 'ED' && z === 1 ? new Uint8Array(20) : null),
  });
  for (const role of ['ANALYST', 'REVIEWER', 'OPERATOR'] as const)
    keys[role] = (await createApiKey(fixture.store, { name: `${role.toLowerCase()}-k`, role, actor: 'test' })).key;
});

describe('REVIEWER role', () => {
  it('may record review decisions; analysts may not; operators may too', async () => {
    const input = { inferenceId: inf.inferenceId, sliceId: at(1, 'ED', 0).sliceId, comment: 'fine' };
    const analyst = await post(ACCEPT, { input }, 'ANALYST');
    expect(analyst.status).toBe(403);
    expect(analyst.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const reviewer = await post(ACCEPT, { input }, 'REVIEWER');
    expect(reviewer.body.errors).toBeUndefined();
    expect(reviewer.body.data.acceptReview).toMatchObject({
      decision: 'ACCEPT',
      reviewer: 'reviewer-k',
      comment: 'fine',
      // The version of the platform that recorded it: package version, then the commit.
      codeVersion: expect.stringMatching(
        new RegExp(`^${require('../../package.json').version.replace(/\./g, '\\.')}(\\+|$)`),
      ),
    });
    const operator = await post(ACCEPT, { input: { ...input, sliceId: at(1, 'ED', 1).sliceId } }, 'OPERATOR');
    expect(operator.body.errors).toBeUndefined();
  });

  it('gets FORBIDDEN for every other mutation, alone or beside a review, and reads everything', async () => {
    const phantom = 'mutation { createPhantomDataset(input: { name: "r", site: "A", subjects: 1, seed: 1 }) { id } }';
    const alone = await post(phantom, {}, 'REVIEWER');
    expect(alone.status).toBe(403);
    expect(alone.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const both = await post(
      `mutation($input: AcceptReviewInput!) { acceptReview(input: $input) { id } createPhantomDataset(input: { name: "r2", site: "A", subjects: 1, seed: 1 }) { id } }`,
      { input: { inferenceId: inf.inferenceId, sliceId: at(2, 'ED', 0).sliceId } },
      'REVIEWER',
    );
    expect(both.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(await fixture.store.review.count({ where: { sliceId: at(2, 'ED', 0).sliceId } })).toBe(0);
    const read = await post(
      'query($id: ID!) { reviews(inferenceId: $id) { id } }',
      { id: inf.inferenceId },
      'REVIEWER',
    );
    expect(read.body.data.reviews).toHaveLength(2);
  });
});

describe('review decisions', () => {
  it('accepting a slice makes its ground truth the mean label map, audited', async () => {
    const slice = at(2, 'ES', 1);
    const res = await post(ACCEPT, { input: { inferenceId: inf.inferenceId, sliceId: slice.sliceId } }, 'REVIEWER');
    const review = res.body.data.acceptReview;
    expect(review.labels).toEqual([
      { sliceId: slice.sliceId, source: 'REVIEW_ACCEPTED', contentHash: expect.any(String) },
    ]);
    const stored = await fixture.store.sliceLabel.findUniqueOrThrow({ where: { sliceId: slice.sliceId } });
    expect([...stored.label]).toEqual([...mean({ z: 1 })]);
    expect(stored).toMatchObject({ reviewId: review.id, createdBy: 'reviewer-k' });
    const event = await fixture.store.auditEvent.findFirstOrThrow({
      where: { action: 'review.recorded', entityId: review.id },
    });
    expect(event.actor).toBe('reviewer-k');
    expect(JSON.parse(event.details)).toMatchObject({
      codeVersion: (await fixture.store.review.findUniqueOrThrow({ where: { id: review.id } })).codeVersion,
      inferenceId: inf.inferenceId,
      sliceId: slice.sliceId,
      decision: 'ACCEPT',
      labels: [{ sliceId: slice.sliceId, contentHash: review.labels[0].contentHash }],
      labelsSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('accepting a subject labels its slices without ground truth and leaves the imported one', async () => {
    const res = await post(
      ACCEPT,
      { input: { inferenceId: inf.inferenceId, subjectId: inf.subjectIds[0] } },
      'REVIEWER',
    );
    expect(res.body.errors).toBeUndefined();
    const labelled = res.body.data.acceptReview.labels.map((l: { sliceId: string }) => l.sliceId).sort();
    expect(labelled).toEqual([at(0, 'ED', 0), at(0, 'ES', 0), at(0, 'ES', 1)].map((s) => s.sliceId).sort());
    expect(res.body.data.acceptReview.sliceId).toBeNull();
    // Everything of subject 0 has ground truth now: a second acceptance has nothing to label.
    const again = await post(
      ACCEPT,
      { input: { inferenceId: inf.inferenceId, subjectId: inf.subjectIds[0] } },
      'REVIEWER',
    );
    expect(again.body.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'ALREADY_LABELLED' });
  });

  it('a slice with ground truth (imported or reviewed) is refused, nothing written', async () => {
    const before = await counts();
    for (const slice of [at(0, 'ED', 1), at(2, 'ES', 1)]) {
      const accept = await post(
        ACCEPT,
        { input: { inferenceId: inf.inferenceId, sliceId: slice.sliceId } },
        'REVIEWER',
      );
      expect(accept.body.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'ALREADY_LABELLED' });
      const labelMap = Buffer.from(new Uint8Array(20)).toString('base64');
      const correct = await post(
        CORRECT,
        { input: { inferenceId: inf.inferenceId, sliceId: slice.sliceId, labelMap } },
        'REVIEWER',
      );
      expect(correct.body.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'ALREADY_LABELLED' });
    }
    expect(await counts()).toEqual(before);
  });

  it('correcting a slice stores the uint8 map; a wrong shape or class is refused with nothing written', async () => {
    const slice = at(2, 'ED', 1);
    const before = await counts();
    for (const [bytes, reason] of [
      [new Uint8Array(19), 'BAD_SHAPE'],
      [new Uint8Array(20).fill(4), 'BAD_LABEL'],
    ] as const) {
      const res = await post(
        CORRECT,
        {
          input: {
            inferenceId: inf.inferenceId,
            sliceId: slice.sliceId,
            labelMap: Buffer.from(bytes).toString('base64'),
          },
        },
        'REVIEWER',
      );
      expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason });
    }
    const notBase64 = await post(
      CORRECT,
      { input: { inferenceId: inf.inferenceId, sliceId: slice.sliceId, labelMap: '%%%' } },
      'REVIEWER',
    );
    expect(notBase64.body.errors?.[0].extensions).toMatchObject({ reason: 'BAD_FORMAT' });
    expect(await counts()).toEqual(before);

    const label = new Uint8Array(20).map((_, i) => i % 3);
    const ok = await post(
      CORRECT,
      {
        input: {
          inferenceId: inf.inferenceId,
          sliceId: slice.sliceId,
          labelMap: Buffer.from(label).toString('base64'),
        },
      },
      'REVIEWER',
    );
    expect(ok.body.data.correctLabel).toMatchObject({ decision: 'CORRECT', labels: [{ source: 'REVIEW_CORRECTED' }] });
    const stored = await fixture.store.sliceLabel.findUniqueOrThrow({ where: { sliceId: slice.sliceId } });
    expect([...stored.label]).toEqual([...label]);
  });

  it('correcting a subject reads one NIfTI per phase in label values, shape-checked', async () => {
    // A subject correction covers every slice of the subject: a fresh inference, nothing labelled.
    // In the dataset's own label values: the M&Ms numbering, LV 1, MYO 2, RV 3.
    const fresh = await seedInference(fixture.store, {
      subjects: 1,
      phases: ['ED'],
      slices: 2,
      mean,
      labels: { LV: 1, MYO: 2, RV: 3 },
    });
    // Voxel (x, y, z) of a 4 × 5 × 2 volume at x + 4·(y + 5·z); slice z's map index x·5 + y.
    const volume = (nz: number, value: (x: number, y: number, z: number) => number) => {
      const data = new Float32Array(4 * 5 * nz);
      for (let z = 0; z < nz; z++)
        for (let y = 0; y < 5; y++) for (let x = 0; x < 4; x++) data[x + 4 * (y + 5 * z)] = value(x, y, z);
      return Buffer.from(
        writeNifti({ dims: [4, 5, nz], spacingMm: [1.5, 1.25, 8], data }, { datatype: 'uint8' }),
      ).toString('base64');
    };
    const before = await counts();
    const wrong = await post(
      CORRECT,
      {
        input: {
          inferenceId: fresh.inferenceId,
          subjectId: fresh.subjectIds[0],
          volumes: [{ phase: 'ED', nifti: volume(3, () => 0) }],
        },
      },
      'REVIEWER',
    );
    expect(wrong.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'BAD_SHAPE' });
    const badValue = await post(
      CORRECT,
      {
        input: {
          inferenceId: fresh.inferenceId,
          subjectId: fresh.subjectIds[0],
          volumes: [{ phase: 'ED', nifti: volume(2, () => 7) }],
        },
      },
      'REVIEWER',
    );
    expect(badValue.body.errors?.[0].extensions).toMatchObject({ reason: 'BAD_LABEL' });
    expect(await counts()).toEqual(before);

    // Value 3 at (2, 3, 0) is RV here (class 1), value 2 at (2, 3, 1) MYO (class 2).
    const res = await post(
      CORRECT,
      {
        input: {
          inferenceId: fresh.inferenceId,
          subjectId: fresh.subjectIds[0],
          volumes: [{ phase: 'ED', nifti: volume(2, (x, y, z) => (x === 2 && y === 3 ? 3 - z : 0)) }],
        },
      },
      'REVIEWER',
    );
    expect(res.body.errors).toBeUndefined();
    for (const z of [0, 1]) {
      const stored = await fixture.store.sliceLabel.findUniqueOrThrow({ where: { sliceId: fresh.slices[z].sliceId } });
      const expected = new Uint8Array(20);
      expected[2 * 5 + 3] = z === 0 ? 1 : 2;
      expect([...stored.label]).toEqual([...expected]);
      expect(stored.source).toBe('REVIEW_CORRECTED');
    }
  });

  it('of two decisions racing for one slice, one is recorded and the other refused', async () => {
    const fresh = await seedInference(fixture.store, { subjects: 1, phases: ['ED'], slices: 1, mean });
    const reviewer = { store: fixture.store, actor: 'racer', codeVersion: 'test' };
    const input = { inferenceId: fresh.inferenceId, sliceId: fresh.slices[0].sliceId };
    const labelMap = Buffer.from(new Uint8Array(20)).toString('base64');
    const outcomes = await Promise.allSettled([
      acceptReview(reviewer, input),
      correctLabel(reviewer, { ...input, labelMap }),
      acceptReview(reviewer, input),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes.filter((o) => o.status === 'rejected'))
      expect((o as PromiseRejectedResult).reason).toMatchObject({ code: 'CONFLICT', reason: 'ALREADY_LABELLED' });
    expect(await fixture.store.review.count({ where: { inferenceId: fresh.inferenceId } })).toBe(1);
    expect(await fixture.store.auditEvent.count({ where: { action: 'review.recorded', actor: 'racer' } })).toBe(1);
  });

  it('names what is missing: an unknown inference, a slice of another inference, both or neither of slice and subject', async () => {
    const other = await post(ACCEPT, { input: { inferenceId: inf.inferenceId, sliceId: inf.datasetId } }, 'REVIEWER');
    expect(other.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const unknown = await post(
      ACCEPT,
      { input: { inferenceId: inf.slices[0].sliceId, sliceId: inf.slices[0].sliceId } },
      'REVIEWER',
    );
    expect(unknown.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const neither = await post(ACCEPT, { input: { inferenceId: inf.inferenceId } }, 'REVIEWER');
    expect(neither.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('reports each inference slice review status', async () => {
    const res = await post(
      'query($id: ID!, $s: ID) { reviewStatus(inferenceId: $id, subjectId: $s) { sliceId phase sliceIndex groundTruth reviewId labelledBy } }',
      { id: inf.inferenceId, s: inf.subjectIds[0] },
      'ANALYST',
    );
    expect(
      res.body.data.reviewStatus.map((r: { phase: string; sliceIndex: number; groundTruth: string }) => [
        r.phase,
        r.sliceIndex,
        r.groundTruth,
      ]),
    ).toEqual([
      ['ED', 0, 'REVIEW_ACCEPTED'],
      ['ED', 1, 'IMPORTED'],
      ['ES', 0, 'REVIEW_ACCEPTED'],
      ['ES', 1, 'REVIEW_ACCEPTED'],
    ]);
  });
});

describe('on the inference', () => {
  it('lists its reviews and downloads, and each triage slice its ground truth', async () => {
    const res = await post(
      `query($id: ID!) { inference(id: $id) {
        reviews { decision } promiseCheck { labelled } downloads { phase }
        triage(first: 20) { nodes { sliceId groundTruth { origin reviewId labelledBy } } } } }`,
      { id: inf.inferenceId },
      'ANALYST',
    );
    expect(res.body.errors).toBeUndefined();
    const inference = res.body.data.inference;
    expect(inference.reviews.map((r: { decision: string }) => r.decision)).toEqual([
      'ACCEPT',
      'ACCEPT',
      'ACCEPT',
      'ACCEPT',
      'CORRECT',
    ]);
    expect(inference.promiseCheck).toBeNull(); // no policy
    expect(inference.downloads).toHaveLength(6); // 3 subjects × ED, ES
    const origin = new Map(
      inference.triage.nodes.map((n: { sliceId: string; groundTruth: unknown }) => [n.sliceId, n.groundTruth]),
    );
    expect(origin.size).toBe(12);
    expect(origin.get(at(0, 'ED', 1).sliceId)).toEqual({ origin: 'IMPORTED', reviewId: null, labelledBy: null });
    expect(origin.get(at(2, 'ED', 0).sliceId)).toEqual({ origin: null, reviewId: null, labelledBy: null });
    expect(origin.get(at(2, 'ED', 1).sliceId)).toEqual({
      origin: 'REVIEW_CORRECTED',
      reviewId: expect.any(String),
      labelledBy: 'reviewer-k',
    });
  });
});
