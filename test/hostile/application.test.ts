/**
 * Hostile probes of the application (issue 15: inference, policy, review, export, uploads) through
 * the real HTTP server and the real readers: every new query and mutation with unknown ids, a
 * reviewer trying to slip another mutation past the review-only rule, a promise check before any
 * ground truth, a +∞ threshold on its way out, the price of the new row passes, and an image whose
 * header geometry cannot be written back. Each refusal is a typed error and writes nothing. The
 * inference is written straight into the store (test/support/inference-fixture.ts).
 */
import crypto from 'node:crypto';
import { graphql, parse } from 'graphql';
import { PrismaClient } from '../../src/db/generated/client';
import { createPgAdapter } from '../../src/db/pg-adapter';
import { readNiftiGeometry } from '../../src/engine/io/nifti';
import { buildApiSchema } from '../../src/resolvers';
import { createApiKey } from '../../src/server/auth';
import { DEFAULT_LIMITS } from '../../src/server/limit-defaults';
import { queryCost } from '../../src/server/limits';
import { handMadeNifti } from '../fixtures/hand-nifti';
import { seedInference, type InferenceFixture } from '../support/inference-fixture';
import { usePlatform } from '../support/platform';

const fixture = usePlatform('api');
const keys: Record<string, string> = {};
let inf: InferenceFixture;
let other: InferenceFixture;

type Body = { data?: any; errors?: Array<{ message: string; extensions?: { code?: string } }> };

async function post(body: unknown, role: string) {
  const response = await fetch(fixture.api.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${keys[role]}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Body };
}

const gql = (query: string, variables: Record<string, unknown>, role: string) => post({ query, variables }, role);

/** Every table the application writes: a refused request leaves each as it was. */
const rows = async () => ({
  events: await fixture.store.auditEvent.count(),
  runs: await fixture.store.run.count(),
  policies: await fixture.store.policy.count(),
  inferences: await fixture.store.inference.count(),
  reviews: await fixture.store.review.count(),
  labels: await fixture.store.sliceLabel.count(),
  datasets: await fixture.store.dataset.count(),
});

beforeAll(async () => {
  inf = await seedInference(fixture.store, {
    subjects: 2,
    slices: 2,
    mean: ({ z }) => new Uint8Array(20).map((_, i) => (i + z) % 4),
    flagged: ({ z }) => z === 0,
  });
  other = await seedInference(fixture.store, { subjects: 1, slices: 1, mean: () => new Uint8Array(20) });
  for (const role of ['ANALYST', 'REVIEWER', 'OPERATOR'] as const)
    keys[role] = (await createApiKey(fixture.store, { name: `${role.toLowerCase()}-h`, role, actor: 'test' })).key;
});

describe('unknown ids', () => {
  const unknown = crypto.randomUUID();
  it('read as null or an empty list; promiseCheck names the inference NOT_FOUND', async () => {
    const garbage = await gql('query($id: ID!) { policy(id: $id) { id } }', { id: '../x' }, 'ANALYST');
    expect(garbage.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    for (const id of [unknown]) {
      const res = await gql(
        `query($id: ID!) { policy(id: $id) { id } inference(id: $id) { id }
           policies(trainingRunId: $id) { totalCount } inferences(datasetId: $id) { totalCount }
           reviews(inferenceId: $id) { id } reviewStatus(inferenceId: $id) { sliceId } }`,
        { id },
        'ANALYST',
      );
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data).toEqual({
        policy: null,
        inference: null,
        policies: { totalCount: 0 },
        inferences: { totalCount: 0 },
        reviews: [],
        reviewStatus: [],
      });
      const check = await gql('query($id: ID!) { promiseCheck(inferenceId: $id) { labelled } }', { id }, 'ANALYST');
      expect(check.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    }
  });

  it('in every new mutation are NOT_FOUND and write nothing', async () => {
    const before = await rows();
    const [dataset, subject] = [inf.datasetId, inf.subjectIds[0]];
    const cases: Array<[string, Record<string, unknown>]> = [
      [
        'mutation($i: InferenceInput!) { startInference(input: $i) { id } }',
        { i: { trainingRunId: unknown, datasetId: dataset } },
      ],
      [
        'mutation($i: InferenceInput!) { startInference(input: $i) { id } }',
        { i: { checkpointIds: [unknown], datasetId: dataset } },
      ],
      [
        'mutation($i: PolicyInput!) { createPolicy(input: $i) { id } }',
        { i: { name: 'p', evaluationId: unknown, rules: [{ structure: 'LV', measure: 'MI' }] } },
      ],
      [
        'mutation($i: AcceptReviewInput!) { acceptReview(input: $i) { id } }',
        { i: { inferenceId: unknown, subjectId: subject } },
      ],
      [
        'mutation($i: AcceptReviewInput!) { acceptReview(input: $i) { id } }',
        { i: { inferenceId: inf.inferenceId, subjectId: unknown } },
      ],
      [
        'mutation($i: CorrectLabelInput!) { correctLabel(input: $i) { id } }',
        { i: { inferenceId: unknown, sliceId: inf.slices[0].sliceId, labelMap: 'AAAA' } },
      ],
      [
        'mutation($i: ImportUploadInput!) { importUpload(input: $i) { id } }',
        { i: { name: 'u', uploadIds: [unknown] } },
      ],
    ];
    for (const [query, variables] of cases) {
      const res = await gql(query, variables, 'OPERATOR');
      expect([JSON.stringify(variables), res.body.errors?.[0].extensions?.code]).toEqual([
        JSON.stringify(variables),
        'NOT_FOUND',
      ]);
    }
    // Not an id at all (a path): refused by the ID check.
    const path = await gql(
      'mutation($i: ImportUploadInput!) { importUpload(input: $i) { id } }',
      { i: { name: 'u', uploadIds: ['../files'] } },
      'OPERATOR',
    );
    expect(path.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(await rows()).toEqual(before);
  });

  it('T = 0, a negative T or T over 500 is refused before any id is looked up, nothing written', async () => {
    const before = await rows();
    for (const samples of [0, -1, 501, 2 ** 31 - 1]) {
      const res = await gql(
        'mutation($i: InferenceInput!) { startInference(input: $i) { id } }',
        { i: { trainingRunId: crypto.randomUUID(), datasetId: inf.datasetId, samples } },
        'OPERATOR',
      );
      expect([samples, res.body.errors?.[0].extensions?.code]).toEqual([samples, 'BAD_USER_INPUT']);
    }
    expect(await rows()).toEqual(before);
  });

  it('a download of another inference’s subject is NOT_FOUND (no cross-inference read)', async () => {
    const res = await fetch(
      new URL(
        `/files/inference/${inf.inferenceId}/subject/${other.subjectIds[0]}/ED/seg.nii.gz`,
        fixture.api.graphqlUrl,
      ),
      { headers: { authorization: `Bearer ${keys.ANALYST}` } },
    );
    expect(res.status).toBe(404);
    expect(((await res.json()) as Body).errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });
});

describe('a reviewer records review decisions and nothing else', () => {
  const phantom = (name: string) =>
    `createPhantomDataset(input: { name: "${name}", site: "A", subjects: 1, seed: 1 }) { id }`;
  it('an alias, a fragment, an inline fragment or a second operation do not carry another mutation', async () => {
    const before = await rows();
    const review = `acceptReview(input: { inferenceId: "${inf.inferenceId}", sliceId: "${inf.slices[0].sliceId}" }) { id }`;
    for (const query of [
      `mutation { acceptReview: ${phantom('h1')} }`,
      `mutation { ...M } fragment M on Mutation { ${phantom('h2')} }`,
      `mutation { ... on Mutation { ${phantom('h3')} } }`,
      `mutation { ${review} ... on Mutation { ${phantom('h4')} } }`,
    ]) {
      const res = await gql(query, {}, 'REVIEWER');
      expect([query, res.body.errors?.[0].extensions?.code]).toEqual([query, 'FORBIDDEN']);
    }
    const named = `mutation R { ${review} } mutation P { ${phantom('h5')} }`;
    const res = await post({ query: named, operationName: 'P' }, 'REVIEWER');
    expect(res.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    // Batched HTTP requests are not accepted at all.
    const batch = await post(
      [{ query: `mutation { ${review} }` }, { query: `mutation { ${phantom('h6')} }` }],
      'REVIEWER',
    );
    expect(batch.status).toBe(400);
    expect(await rows()).toEqual(before);
  });
});

describe('answers without NaN', () => {
  it('a promise check before any ground truth: counts 0 and fractions null, not NaN', async () => {
    const res = await gql(
      `query($id: ID!) { inference(id: $id) { reviewFraction { realised withinInterval }
         promiseCheck { slices labelled flagged poor reviewFraction poorLeft reviewFractionWithinInterval poorLeftWithinInterval } } }`,
      { id: inf.inferenceId },
      'ANALYST',
    );
    expect(res.body.errors).toBeUndefined();
    // Two subjects × two slices, z = 0 flagged: 2 of 4.
    expect(res.body.data.inference.reviewFraction).toEqual({ realised: 0.5, withinInterval: false });
    expect(res.body.data.inference.promiseCheck).toEqual({
      slices: 4,
      labelled: 0,
      flagged: 0,
      poor: 0,
      reviewFraction: null,
      poorLeft: null,
      reviewFractionWithinInterval: null,
      poorLeftWithinInterval: null,
    });
  });

  it('a +∞ threshold comes back as null with thresholdIsInfinite', async () => {
    const policy = await fixture.store.policy.findUniqueOrThrow({ where: { id: inf.policyId! } });
    const infinite = await fixture.store.policy.create({
      data: {
        ...policy,
        id: undefined,
        createdAt: undefined,
        name: `${policy.name}-inf`,
        rules: [{ structure: 'RV', measure: 'ASSD_WITHIN', threshold: 'Infinity' }],
        bootstrap: policy.bootstrap ?? {},
      },
    });
    const res = await gql(
      'query($id: ID!) { policy(id: $id) { rules { threshold thresholdIsInfinite } } }',
      { id: infinite.id },
      'ANALYST',
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.policy.rules).toEqual([{ threshold: null, thresholdIsInfinite: true }]);
  });
});

describe('prices', () => {
  it('reviewStatus and downloads read every slice of an inference: one row pass each', async () => {
    const schema = await buildApiSchema();
    const cost = (q: string) => queryCost(schema, parse(q), { id: 'x' });
    expect(cost('{ reviewStatus(inferenceId: "x") { sliceId } }')).toBe(100 + 1);
    expect(cost('{ inference(id: "x") { downloads { files { path } } } }')).toBe(1 + 100 + 1 + 1);
    // 40 aliases (the alias cap) of a full row pass each: 40 passes, priced as such.
    const aliased = `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: reviewStatus(inferenceId: "x") { sliceId }`).join(' ')} }`;
    expect(cost(aliased)).toBe(40 * 101);
    expect(cost('{ inferenceDownloads(inferenceId: "x") { phase } }')).toBe(100 + 1);
    expect(cost('{ reviews(inferenceId: "x") { id } }')).toBe(100 + 1);
    expect(cost('{ inference(id: "x") { reviews { labels { sliceId } } } }')).toBe(1 + 100 + 1 + 1);
    // The Triage view's own query (web/js/views/triage.js, 50 queue slices, 200 subjects) stays under the cap.
    const triageView = `query($id: ID!) { inference(id: $id) {
      id samples datasetId trainingRunId createdAt run { id status progress stage error }
      policy { id name reviewFraction { estimate low high } } counts { slices flaggedSlices subjects flaggedSubjects }
      reviewFraction { realised withinInterval }
      triage(first: 50) { totalCount edges { cursor } nodes { id sliceId flagged entropy mi triageScore slice { subjectId phase sliceIndex } } }
      subjects(first: 200) { subjectId externalId slices flaggedSlices flagged maxScore } }
      reviewStatus(inferenceId: $id) { sliceId groundTruth } }`;
    expect(cost(triageView)).toBeLessThan(DEFAULT_LIMITS.maxComplexity);
  });

  it('an alias-heavy triage query with images is refused up front, like issue 13’s', async () => {
    const body = Array.from(
      { length: 8 },
      (_, i) =>
        `t${i}: inference(id: "${inf.inferenceId}") { triage(first: 500) { nodes { labelPng entropyPng miPng } } }`,
    ).join(' ');
    const res = await gql(`{ ${body} }`, {}, 'ANALYST');
    expect(res.body.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
    // 8 × (inference 1 + triage 1 + one pass 100 + 500 × (nodes' three images 192)) + the connection's nodes 1 each.
    expect(res.body.errors?.[0].message).toMatch(
      new RegExp(`query cost ${8 * (1 + 1 + 100 + 500 * 193)} exceeds the limit of ${DEFAULT_LIMITS.maxComplexity}`),
    );
  });
});

describe('an image header whose geometry cannot be written back', () => {
  const header = (set: (v: DataView) => void) => {
    const bytes = handMadeNifti({
      dims: [4, 5, 2],
      pixdim: [1, 1.5, 1.25, 8],
      datatype: 2,
      bitpix: 8,
      values: new Array(40).fill(0),
    });
    const v = new DataView(bytes.buffer);
    v.setInt16(252, 1, true); // qform_code
    v.setInt16(254, 1, true); // sform_code
    set(v);
    return bytes;
  };
  it('NaN or ±∞ in the quaternion, offsets, srow or pixdim is BAD_FORMAT (jsonb would keep it as null, exported as 0)', () => {
    for (const [field, offset, x] of [
      ['quatern', 256, NaN],
      ['qoffset', 272, Infinity],
      ['srow', 280 + 4 * 5, NaN],
      ['pixdim', 76, -Infinity],
    ] as const) {
      expect(() => readNiftiGeometry(header((v) => v.setFloat32(offset, x, true)))).toThrow(
        expect.objectContaining({ code: 'BAD_FORMAT', message: expect.stringContaining(field) }),
      );
    }
    // The same header with finite fields reads back as written.
    expect(readNiftiGeometry(header((v) => v.setFloat32(256, 0.5, true))).quatern).toEqual([0.5, 0, 0]);
  });
});

describe('per-row reads are batched, not one statement per row', () => {
  it('a triage page’s structures and an inference’s reviews’ labels take as many statements for 4 rows as for 1', async () => {
    const counting = new PrismaClient({
      adapter: createPgAdapter(fixture.db.url),
      log: [{ emit: 'event', level: 'query' }],
    });
    let statements = 0;
    counting.$on('query', () => void statements++);
    const schema = await buildApiSchema();
    const count = async (source: string) => {
      statements = 0;
      const result = await graphql({
        schema,
        source,
        variableValues: { id: inf.inferenceId },
        contextValue: { store: counting, actor: 'test', role: 'ANALYST' },
      });
      expect(result.errors).toBeUndefined();
      return statements;
    };
    try {
      // The promise check scores every labelled slice on the API's thread (≈ 2 ms a 256² slice):
      // aliases of one inference's check compute it once per request.
      const check = (n: number) =>
        count(
          `query($id: ID!) { ${Array.from({ length: n }, (_, i) => `p${i}: promiseCheck(inferenceId: $id) { labelled } i${i}: inference(id: $id) { promiseCheck { poor } }`).join(' ')} }`,
        );
      const once = await check(1);
      // (at most one statement more per alias: the inference rows, which Prisma batches anyway)
      expect(await check(5)).toBeLessThanOrEqual(once + 4);
      const triage = (n: number) =>
        count(`query($id: ID!) { inference(id: $id) { triage(first: ${n}) { nodes { structures { structure } } } } }`);
      expect(await triage(4)).toBe(await triage(1));
      // Single-slice reviews (the reviewer's mutation): the labels of one review, then of four.
      const accept = async (sliceId: string) => {
        const res = await gql(
          'mutation($i: AcceptReviewInput!) { acceptReview(input: $i) { id } }',
          { i: { inferenceId: inf.inferenceId, sliceId } },
          'REVIEWER',
        );
        expect(res.body.errors).toBeUndefined();
      };
      const labels = () => count('query($id: ID!) { inference(id: $id) { reviews { labels { sliceId } } } }');
      await accept(inf.slices[0].sliceId);
      const one = await labels();
      for (const s of inf.slices.slice(1)) await accept(s.sliceId);
      expect(await labels()).toBe(one);
    } finally {
      await counting.$disconnect();
    }
  });
});
