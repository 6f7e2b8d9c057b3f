/**
 * Hostile and broken input (corpus: test/fixtures/bad/, written by make-bad-fixtures.ts): every
 * file gets a typed error from the engine readers, the CLI exits 2 with a clear message, imports
 * through GraphQL fail with the reason and write nothing, import paths cannot leave the import
 * root, and SQL-looking strings in every text argument of the schema are data, never SQL.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  isScalarType,
  isUnionType,
} from 'graphql';
import type { GraphQLField, GraphQLInputType, GraphQLSchema } from 'graphql';
import { createStore } from '../../src/db/client';
import type { Store } from '../../src/db/client';
import { InvalidInputError } from '../../src/engine/errors';
import { readNifti } from '../../src/engine/io/nifti';
import { readNpy } from '../../src/engine/io/npy';
import { readAcdcFolder } from '../../src/engine/io/acdc-import';
import { buildApiSchema } from '../../src/resolvers';
import { BAD_DIR, CORPUS } from '../fixtures/make-bad-fixtures';
import { createDatabase, testServers } from '../support/databases';
import { startTestPlatform } from '../support/platform';
import { waitForRun } from '../support/poll';
import { spawnCli } from '../support/serve-process';

const server = testServers()[0];
const bad = (name: string) => path.join(BAD_DIR, name);

describe('engine readers: a typed error for every broken file', () => {
  test.each(Object.entries(CORPUS.nifti))('NIfTI %s → %s', (file, code) => {
    const before = process.memoryUsage().arrayBuffers;
    let error: unknown;
    try {
      readNifti(fs.readFileSync(bad(file)));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).code).toBe(code);
    // A header claiming 10 GB is refused before anything of that size is allocated (gzip is inflated
    // as a stream that stops at the header, see test/engine/io/nifti.test.ts).
    if (file.startsWith('huge-dims')) expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 2 ** 20);
  });

  test.each(Object.entries(CORPUS.npy))('.npy %s → %s', (file, code) => {
    expect(() => readNpy(fs.readFileSync(bad(file)))).toThrow(expect.objectContaining({ code }));
  });
});

describe('the cardiac-uq command: exit 2 and a clear message', () => {
  const cases: Array<[string, string[], RegExp]> = [
    [
      '10 GB header',
      ['metrics', '--pred', bad('huge-dims-10GB.nii.gz'), '--gt', bad('ok-labels.nii.gz')],
      /2684354560 voxels \(limit/,
    ],
    [
      'truncated gzip',
      ['metrics', '--pred', bad('truncated-gzip.nii.gz'), '--gt', bad('ok-labels.nii.gz')],
      /broken gzip stream/,
    ],
    [
      'label outside the map',
      ['metrics', '--pred', bad('ok-labels.nii.gz'), '--gt', bad('label-outside-map.nii.gz')],
      /value 7 .*not in the label map/,
    ],
    [
      'mismatched shapes',
      ['metrics', '--pred', bad('ok-labels.nii.gz'), '--gt', bad('other-shape.nii.gz')],
      /8×8×2 but ground truth is 8×6×2/,
    ],
    ['NaN probabilities', ['uncertainty', '--samples', bad('nan-samples.npy'), '--spacing', '1,1'], /NaN/],
    ['SQL in a CSV', ['qc', '--scores', bad('scores-sql.csv')], /malformed CSV/],
  ];
  test.each(cases)('%s', async (_name, args, message) => {
    const proc = spawnCli([...args, '--json'], {});
    expect(await proc.exited).toBe(2);
    expect(proc.output()).toMatch(message);
    expect(proc.output()).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace
  });
});

/** Fills every argument of a field: text → the hostile string, other types → a valid value. */
function argValue(type: GraphQLInputType, text: string, depth = 0): string {
  const inner = getNullableType(type) as GraphQLInputType;
  if (isListType(inner)) return `[${argValue(inner.ofType as GraphQLInputType, text, depth)}]`;
  const named = getNamedType(inner);
  if (isEnumType(named)) return named.getValues()[0].name;
  if (isInputObjectType(named)) {
    if (depth > 3) return '{}';
    const fields = Object.values(named.getFields()).map((f) => `${f.name}: ${argValue(f.type, text, depth + 1)}`);
    return `{ ${fields.join(', ')} }`;
  }
  if (isScalarType(named)) {
    if (named.name === 'Int') return '1';
    if (named.name === 'Float') return '1.0';
    if (named.name === 'Boolean') return 'true';
    return JSON.stringify(text);
  }
  return 'null';
}

function selectionOf(field: GraphQLField<unknown, unknown>): string {
  const named = getNamedType(field.type);
  return isObjectType(named) || isInterfaceType(named) || isUnionType(named) ? ' { __typename }' : '';
}

function hostileOperations(schema: GraphQLSchema, text: string): string[] {
  const ops: string[] = [];
  for (const [kind, root] of [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
  ] as const) {
    for (const field of Object.values(root?.getFields() ?? {})) {
      if (field.args.length === 0) continue;
      const args = field.args.map((a) => `${a.name}: ${argValue(a.type, text)}`).join(', ');
      ops.push(`${kind} { ${field.name}(${args})${selectionOf(field)} }`);
      // Also with only the required arguments, so optional ones do not mask a required check.
      const required = field.args.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined);
      if (required.length && required.length < field.args.length) {
        ops.push(
          `${kind} { ${field.name}(${required.map((a) => `${a.name}: ${argValue(a.type, text)}`).join(', ')})${selectionOf(field)} }`,
        );
      }
    }
  }
  return ops;
}

const SQL_STRINGS = [
  `'; DROP TABLE "Run"; --`,
  `x' OR '1'='1`,
  `1; UPDATE "AuditEvent" SET actor='x'`,
  `") UNION SELECT "keyHash" FROM "ApiKey" --`,
  `$$; SELECT pg_sleep(10); $$`,
];

describe('through the API', () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let store: Store;
  let api: Awaited<ReturnType<typeof startTestPlatform>>;
  let root: string;
  let outside: string;

  beforeAll(async () => {
    db = await createDatabase(server);
    store = createStore(db.url);
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-import-root-'));
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-outside-'));
    api = await startTestPlatform(db.url, 'all', {
      CARDIAC_UQ_IMPORT_ROOT: root,
      CARDIAC_UQ_DATA_DIR: root,
      CARDIAC_UQ_BACKEND: 'cpu',
    });
  });

  afterAll(async () => {
    await api?.platform.close();
    await store?.$disconnect();
    await db?.drop();
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  async function counts() {
    const [runs, datasets, subjects, slices, audit] = await Promise.all([
      store.run.count(),
      store.dataset.count(),
      store.subject.count(),
      store.slice.count(),
      store.auditEvent.count(),
    ]);
    return { runs, datasets, subjects, slices, audit };
  }

  /** An ACDC-layout folder with one patient; `broken` replaces one file with a corpus file. */
  function acdcFolder(name: string, broken?: { file: 'image' | 'label'; with: string }) {
    const patient = path.join(root, name, 'patient001');
    fs.mkdirSync(patient, { recursive: true });
    fs.writeFileSync(path.join(patient, 'Info.cfg'), 'ED: 1\nES: 12\nGroup: NOR\n');
    for (const frame of ['01', '12']) {
      fs.copyFileSync(
        bad(broken?.file === 'image' ? broken.with : 'ok-labels.nii.gz'),
        path.join(patient, `patient001_frame${frame}.nii.gz`),
      );
      fs.copyFileSync(
        bad(broken?.file === 'label' ? broken.with : 'ok-labels.nii.gz'),
        path.join(patient, `patient001_frame${frame}_gt.nii.gz`),
      );
    }
    return name;
  }

  test('path traversal out of the import root: refused, nothing written', async () => {
    fs.mkdirSync(path.join(outside, 'patient001'));
    fs.symlinkSync(outside, path.join(root, 'escape'));
    acdcFolder('inside');
    const before = await counts();
    const paths = [
      '..',
      '../..',
      '/etc',
      outside,
      'inside/../..',
      'inside/../../..',
      `../${path.basename(outside)}`,
      'escape',
      'escape/patient001',
      '%2e%2e',
      'inside\u0000/../..',
      '~',
    ];
    for (const p of paths) {
      const res = await api.gql(
        'mutation($p: String!) { importDataset(input: { name: "trav", path: $p, layout: ACDC }) { id } }',
        { p },
      );
      expect(res.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    }
    expect(await counts()).toEqual(before);
  });

  test.each([
    ['truncated gzip image', { file: 'image', with: 'truncated-gzip.nii.gz' }, /broken gzip stream/],
    ['10 GB header', { file: 'image', with: 'huge-dims-10GB.nii.gz' }, /voxels \(limit/],
    ['NaN voxels', { file: 'image', with: 'nan-voxels.nii.gz' }, /NaN/],
    ['label outside the map', { file: 'label', with: 'label-outside-map.nii.gz' }, /label value 7/],
    ['mismatched shapes', { file: 'label', with: 'other-shape.nii.gz' }, /differ in shape/],
  ] as const)(
    'import of a folder with %s: the run fails with the reason, no dataset is written',
    async (name, broken, message) => {
      const folder = acdcFolder(`bad-${name.replace(/\W+/g, '-')}`, broken);
      expect(() => readAcdcFolder(path.join(root, folder))).toThrow(InvalidInputError);
      const before = await counts();
      const res = await api.gql(
        'mutation($p: String!, $n: String!) { importDataset(input: { name: $n, path: $p, layout: ACDC }) { id } }',
        { p: folder, n: folder },
      );
      expect(res.body.errors).toBeUndefined();
      const run = await waitForRun(api.gql, res.body.data.importDataset.id, 60000);
      expect(run.status).toBe('FAILED');
      expect(run.error).toMatch(message);
      const after = await counts();
      expect({ datasets: after.datasets, subjects: after.subjects, slices: after.slices }).toEqual({
        datasets: before.datasets,
        subjects: before.subjects,
        slices: before.slices,
      });
    },
  );

  test('a file too large to read is refused before reading it (sparse 1.2 GB file)', async () => {
    const folder = acdcFolder('huge-file');
    const image = path.join(root, folder, 'patient001', 'patient001_frame01.nii.gz');
    fs.truncateSync(image, 1200 * 2 ** 20); // sparse: no disk, no memory
    expect(() => readAcdcFolder(path.join(root, folder))).toThrow(expect.objectContaining({ code: 'TOO_LARGE' }));
    const res = await api.gql(
      'mutation { importDataset(input: { name: "huge-file", path: "huge-file", layout: ACDC }) { id } }',
    );
    const run = await waitForRun(api.gql, res.body.data.importDataset.id, 60000);
    expect(run).toMatchObject({ status: 'FAILED' });
    expect(run.error).toMatch(/bytes \(limit/);
    expect(await store.dataset.count({ where: { name: 'huge-file' } })).toBe(0);
  });

  test('SQL-looking strings in every text argument are data: typed errors or literal matches, never SQL', async () => {
    const schema = await buildApiSchema();
    const before = await counts();
    let operations = 0;
    for (const text of SQL_STRINGS) {
      for (const op of hostileOperations(schema, text)) {
        const res = await api.gql(op);
        operations++;
        expect(res.status).toBeLessThan(500);
        for (const error of res.body.errors ?? []) {
          expect([op, error.extensions?.code]).toEqual([
            op,
            expect.stringMatching(/^(BAD_USER_INPUT|NOT_FOUND|CONFLICT|GRAPHQL_VALIDATION_FAILED)$/),
          ]);
        }
      }
    }
    expect(operations).toBeGreaterThan(40);
    // Nothing was written (every name is validated), every table is still there.
    expect(await counts()).toEqual(before);
    const tables = await store.$queryRaw<
      Array<{ n: number }>
    >`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`;
    expect(tables[0].n).toBeGreaterThanOrEqual(14);
  });

  test('deeply nested and aliased queries are refused with typed errors', async () => {
    let nested = 'id';
    for (let i = 0; i < 40; i++) nested = `parent { ${nested} }`;
    const deep = await api.gql(`{ runs(first: 1) { nodes { ${nested} } } }`);
    expect(deep.status).toBe(400);
    expect(deep.body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const aliased = await api.gql(
      `{ ${Array.from({ length: 500 }, (_, i) => `a${i}: runs(first: 500) { totalCount }`).join(' ')} }`,
    );
    expect(aliased.status).toBe(400);
    expect(aliased.body.errors?.[0].message).toMatch(/aliases/i);
    const wide = await api.gql(
      `fragment F on Run { ${Array.from({ length: 30 }, () => 'id status kind config').join(' ')} } { runs(first: 500) { nodes { ...F ...F ...F } } }`,
    );
    expect(wide.status).toBe(400);
    expect(wide.body.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });
});
