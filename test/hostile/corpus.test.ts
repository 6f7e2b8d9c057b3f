/**
 * The hostile-input corpus (format: test/hostile/README.md), run against the real platform:
 *   files/expected.json   every broken file through its reader: the typed InvalidInputError code;
 *   files/folders/*.json  every broken import folder, built in a temporary import root, through the
 *                         importer directly and through GraphQL importDataset: the typed error,
 *                         nothing stored;
 *   graphql/*.graphql     every document with its variables and role: the error code, and no row
 *                         written anywhere in the store beyond the `writes` the entry declares.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidInputError } from '../../src/engine/errors';
import { readAcdcFolder } from '../../src/engine/io/acdc-import';
import { checkImportFolder } from '../../src/engine/io/import-folder';
import { readNiftiPairsFolder } from '../../src/engine/io/nifti-folder-import';
import { readNifti } from '../../src/engine/io/nifti';
import { readNpy } from '../../src/engine/io/npy';
import { createApiKey } from '../../src/server/auth';
import { usePlatform } from '../support/platform';
import { waitUntil } from '../support/poll';
import { waitForRun } from '../support/poll';

const HERE = __dirname;
const FILES = path.join(HERE, 'files');
const GRAPHQL = path.join(HERE, 'graphql');

interface FileEntry {
  path: string;
  reader: 'nifti' | 'npy';
  code: string;
  note: string;
}
interface FolderEntry {
  layout: 'ACDC' | 'NIFTI_PAIRS';
  /** The folder asked for, relative to the entry's own folder in the import root. */
  import?: string;
  /** Relative path → "text:…", "file:PATH" (relative to files/), "link:TARGET" (OUTSIDE/… for the outside folder), "fifo:". */
  tree: Record<string, string>;
  /** Files outside the import root that links may point to (same values as tree). */
  outside?: Record<string, string>;
  /** The InvalidInputError code of the importer and of the request-time check (null: that check passes). */
  code: string;
  requestCode: string | null;
  /** What importDataset answers: BAD_USER_INPUT (refused at once) or FAILED (a run that fails). */
  graphql: 'BAD_USER_INPUT' | 'FAILED';
  note: string;
}
interface GraphqlEntry {
  name: string;
  document: string;
  /** The variables' source text, sent as is. */
  rawVariables: string;
  variables?: Record<string, unknown>;
  role: 'open' | 'anonymous' | 'analyst' | 'operator' | 'admin';
  code: string;
  /** Optional pattern the first error message must match. */
  message?: string;
  /** Rows the design expects the request to add, per table (default: none anywhere). */
  writes?: Record<string, number>;
  note: string;
}

const fileEntries = Object.entries(
  JSON.parse(fs.readFileSync(path.join(FILES, 'expected.json'), 'utf8')) as Record<string, FileEntry>,
);
const folderEntries = fs
  .readdirSync(path.join(FILES, 'folders'))
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map(
    (f) =>
      [
        f.replace(/\.json$/, ''),
        JSON.parse(fs.readFileSync(path.join(FILES, 'folders', f), 'utf8')) as FolderEntry,
      ] as const,
  );
const graphqlEntries: GraphqlEntry[] = fs
  .readdirSync(GRAPHQL)
  .filter((f) => f.endsWith('.graphql'))
  .sort()
  .map((f) => {
    const name = f.replace(/\.graphql$/, '');
    const text = fs.readFileSync(path.join(GRAPHQL, `${name}.json`), 'utf8');
    const meta = JSON.parse(text) as Omit<GraphqlEntry, 'name' | 'document' | 'rawVariables'>;
    return {
      name,
      document: fs.readFileSync(path.join(GRAPHQL, f), 'utf8'),
      ...meta,
      rawVariables: rawMember(text, 'variables') ?? '{}',
    };
  });

/**
 * The source text of a top-level member of a JSON object, so variables are sent as written
 * (`1e999` would become Infinity, then null, if parsed and serialised again).
 */
function rawMember(json: string, key: string): string | null {
  let depth = 0;
  let start = -1;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      const end = stringEnd(json, i);
      if (depth === 1 && start < 0 && json.slice(i + 1, end) === key && /^\s*:/.test(json.slice(end + 1)))
        start = json.indexOf(':', end) + 1;
      i = end;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (start >= 0 && depth <= 1) return json.slice(start, depth === 1 ? i + 1 : i).trim();
    } else if (c === ',' && depth === 1 && start >= 0) return json.slice(start, i).trim();
  }
  return null;
}

function stringEnd(json: string, open: number): number {
  for (let i = open + 1; i < json.length; i++) {
    if (json[i] === '\\') i++;
    else if (json[i] === '"') return i;
  }
  return json.length;
}

function typedError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof InvalidInputError) return error.code;
    throw error;
  }
  return 'NO_ERROR';
}

/** Writes one tree entry (see FolderEntry.tree). */
function materialise(base: string, tree: Record<string, string>, outside: string) {
  for (const [rel, value] of Object.entries(tree)) {
    const target = path.join(base, rel);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const [kind, ...rest] = value.split(':');
    const arg = rest.join(':');
    if (kind === 'text') fs.writeFileSync(target, arg);
    else if (kind === 'file') fs.copyFileSync(path.join(FILES, arg), target);
    else if (kind === 'link')
      fs.symlinkSync(arg.startsWith('OUTSIDE/') ? path.join(outside, arg.slice('OUTSIDE/'.length)) : arg, target);
    else if (kind === 'fifo') execFileSync('mkfifo', [target]);
    else throw new Error(`unknown tree entry ${rel}: ${value}`);
  }
}

describe('hostile files: a typed error from the reader', () => {
  test.each(fileEntries)('%s', (_name, entry) => {
    const bytes = fs.readFileSync(path.join(FILES, entry.path));
    const read = entry.reader === 'nifti' ? readNifti : readNpy;
    expect(typedError(() => read(bytes))).toBe(entry.code);
  });
});

describe('hostile folders and GraphQL documents against the platform', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-hostile-root-'));
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'cuq-hostile-outside-'));
  const fixture = usePlatform('all', {
    CARDIAC_UQ_IMPORT_ROOT: root,
    CARDIAC_UQ_DATA_DIR: path.join(root, '.data'),
    CARDIAC_UQ_BACKEND: 'cpu',
  });
  const keys: Partial<Record<GraphqlEntry['role'], string>> = {};

  beforeAll(() => {
    for (const [name, entry] of folderEntries) {
      materialise(path.join(outside, name), entry.outside ?? {}, path.join(outside, name));
      materialise(path.join(root, name), entry.tree, path.join(outside, name));
    }
  });
  afterAll(() => {
    for (const dir of [root, outside]) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Rows in every table of the store. */
  async function rowCounts(): Promise<Record<string, number>> {
    const tables = await fixture.store.$queryRaw<
      Array<{ t: string }>
    >`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY 1`;
    const out: Record<string, number> = {};
    for (const { t } of tables)
      out[t] = Number(
        (await fixture.store.$queryRawUnsafe<Array<{ n: bigint }>>(`SELECT count(*) AS n FROM "${t}"`))[0].n,
      );
    // Failed authentications are audited once a minute per address (src/server/auth-failures.ts):
    // that aggregate lands whenever its window ends, whichever entry runs then.
    const aggregates = await fixture.store.auditEvent.count({ where: { action: 'auth.failed' } });
    out.AuditEvent -= aggregates;
    return out;
  }

  async function post(document: string, variables: Record<string, unknown> | string = {}, key?: string) {
    const response = await fetch(fixture.api.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: `{"query":${JSON.stringify(document)},"variables":${typeof variables === 'string' ? variables : JSON.stringify(variables)}}`,
    });
    const text = await response.text();
    let body: { data?: any; errors?: Array<{ message: string; extensions?: { code?: string } }> } = {};
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: the assertion on the code below reports it
    }
    return { status: response.status, text, body };
  }

  describe.each(folderEntries)('folder %s', (name, entry) => {
    const folder = () => path.join(root, name, entry.import ?? '.');
    const read = entry.layout === 'ACDC' ? readAcdcFolder : readNiftiPairsFolder;

    test('the importer refuses it with its typed error', () => {
      expect(typedError(() => read(folder(), { root }))).toBe(entry.code);
      expect(typedError(() => checkImportFolder(folder(), entry.layout, root))).toBe(entry.requestCode ?? 'NO_ERROR');
    });

    test(`importDataset answers ${entry.graphql}; no dataset, subject or slice is stored`, async () => {
      const before = await rowCounts();
      const res = await post(
        'mutation($p: String!, $n: String!, $l: ImportLayout!) { importDataset(input: { name: $n, path: $p, layout: $l }) { id } }',
        {
          p: path.join(name, entry.import ?? '.'),
          n: `hostile-${name}`,
          l: entry.layout,
        },
      );
      if (entry.graphql === 'BAD_USER_INPUT') {
        expect(res.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
        expect(await rowCounts()).toEqual(before);
        return;
      }
      expect(res.body.errors).toBeUndefined();
      const run = await waitForRun(fixture.api.gql, res.body.data.importDataset.id, 60000);
      expect(run.status).toBe('FAILED');
      expect(run.datasetId).toBeNull();
      const after = await rowCounts();
      for (const table of ['Dataset', 'Subject', 'Slice'])
        expect([table, after[table]]).toEqual([table, before[table]]);
    });
  });

  // Keyless ("open") documents first: once a key exists the server requires one.
  const ordered = [
    ...graphqlEntries.filter((e) => e.role === 'open'),
    ...graphqlEntries.filter((e) => e.role !== 'open'),
  ];

  test.each(ordered.map((e) => [e.name, e] as const))('GraphQL %s', async (_name, entry) => {
    if (entry.role !== 'open' && !keys.admin) {
      for (const role of ['analyst', 'operator', 'admin'] as const) {
        keys[role] = (
          await createApiKey(fixture.store, {
            name: `hostile-${role}`,
            role: role.toUpperCase() as 'ANALYST',
            actor: 'corpus',
          })
        ).key;
      }
      // The auth gate caches "no keys" briefly: wait until a keyless request is refused.
      await waitUntil(async () => (await post('{ __typename }')).status === 401, 15000);
    }
    const key = entry.role === 'open' || entry.role === 'anonymous' ? undefined : keys[entry.role];
    const before = await rowCounts();
    const res = await post(entry.document, entry.rawVariables, key);
    expect(res.status).toBeLessThan(500);
    expect(res.body.errors?.[0]?.extensions?.code ?? res.text).toBe(entry.code);
    if (entry.message) expect(res.body.errors?.[0].message).toMatch(new RegExp(entry.message));
    const after = await rowCounts();
    const expected = { ...before };
    for (const [table, n] of Object.entries(entry.writes ?? {})) expected[table] = (expected[table] ?? 0) + n;
    expect(after).toEqual(expected);
  });

  test('the corpus is not empty', () => {
    expect(fileEntries.length + folderEntries.length + graphqlEntries.length).toBeGreaterThan(20);
  });
});
