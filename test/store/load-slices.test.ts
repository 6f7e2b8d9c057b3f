/**
 * Reading slices for the jobs (src/store/load-slices.ts, through pg): every field as written, the
 * effective label (imported, else attached later, else none), the scope's filters and the order
 * (subject, phase, slice index), and LABELS_MISSING where work needs a label that is not there.
 */
import { createStore, type Store } from '../../src/db/client';
import { loadImageSlices, loadSlices } from '../../src/store/load-slices';
import { imageBytes } from '../../src/store/slice-codec';
import { createDatabase, testServers } from '../support/databases';

describe('loadSlices / loadImageSlices', () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let store: Store;
  let datasetId: string;
  const ids: Record<string, string> = {};
  let firstSubject: { externalId: string; split: string; group: string | null };
  // rows × cols = 2 × 3; images with a value that is not a round float32 in every cell.
  const image = (k: number) => Float32Array.from({ length: 6 }, (_, i) => k + i / 3);
  const label = (k: number) => Uint8Array.from({ length: 6 }, (_, i) => (k + i) % 4);

  beforeAll(async () => {
    db = await createDatabase(testServers()[0]);
    store = createStore(db.url);
    const dataset = await store.dataset.create({
      data: { name: 'load-slices', source: 'NIFTI', contentHash: 'h', createdBy: 'test' },
    });
    datasetId = dataset.id;
    // Another dataset's slice must never be read.
    const other = await store.dataset.create({
      data: { name: 'other', source: 'NIFTI', contentHash: 'h', createdBy: 'test' },
    });
    const subject = (externalId: string, split: 'TRAIN' | 'TEST', group: string | null, dataset = datasetId) =>
      store.subject.create({ data: { datasetId: dataset, externalId, split, group } });
    const slice = async (
      name: string,
      subjectId: string,
      phase: 'ED' | 'ES',
      sliceIndex: number,
      k: number,
      withLabel: boolean,
    ) => {
      const row = await store.slice.create({
        data: {
          subjectId,
          phase,
          sliceIndex,
          sliceCount: 3,
          position: sliceIndex * 0.5 - 0.25,
          spacingXMm: 1.25,
          spacingYMm: 0.8,
          rows: 2,
          cols: 3,
          image: imageBytes(image(k)),
          label: withLabel ? label(k) : null,
          contentHash: name,
        },
      });
      ids[name] = row.id;
    };
    // Created out of order: the read orders by subject id, phase, slice index.
    const b = await subject('b', 'TEST', null);
    const a = await subject('a', 'TRAIN', 'DCM');
    const [first, second] = [a, b].sort((x, y) => (x.id < y.id ? -1 : 1));
    firstSubject = first;
    await slice('second-ES-0', second.id, 'ES', 0, 5, true);
    await slice('second-ED-1', second.id, 'ED', 1, 4, false);
    await slice('first-ES-0', first.id, 'ES', 0, 3, true);
    await slice('first-ED-2', first.id, 'ED', 2, 2, true);
    await slice('first-ED-0', first.id, 'ED', 0, 1, false);
    await slice('elsewhere', (await subject('c', 'TRAIN', null, other.id)).id, 'ED', 0, 9, true);
    // first-ED-0 has its label attached later; second-ED-1 has none.
    await store.sliceLabel.create({
      data: { sliceId: ids['first-ED-0'], label: label(7), source: 'ATTACHED', contentHash: 'x', createdBy: 'test' },
    });
  }, 60000);

  afterAll(async () => {
    await store?.$disconnect();
    await db?.drop();
  });

  const nameOf = (id: string) => Object.keys(ids).find((k) => ids[k] === id);

  test('every field as written, the effective label, in subject / phase / slice order', async () => {
    const slices = await loadImageSlices(store, { datasetId });
    expect(slices.map((s) => nameOf(s.id))).toEqual([
      'first-ED-0',
      'first-ED-2',
      'first-ES-0',
      'second-ED-1',
      'second-ES-0',
    ]);
    const byName = Object.fromEntries(slices.map((s) => [nameOf(s.id)!, s]));
    expect(byName['first-ED-2']).toEqual({
      id: ids['first-ED-2'],
      rows: 2,
      cols: 3,
      spacingMm: [1.25, 0.8],
      image: image(2),
      label: label(2),
      group: firstSubject.group,
      subjectId: firstSubject.externalId,
      phase: 'ED',
      sliceIndex: 2,
      sliceCount: 3,
      position: 0.75,
      split: firstSubject.split,
    });
    expect(byName['first-ED-0'].label).toEqual(label(7));
    expect(byName['second-ED-1'].label).toBeNull();
    const subjects = new Set(slices.map((s) => `${s.subjectId}/${s.split}/${s.group}`));
    expect(subjects).toEqual(new Set(['a/TRAIN/DCM', 'b/TEST/null']));
  });

  test('the splits and ids of the scope filter; an unknown id reads nothing', async () => {
    const train = await loadImageSlices(store, { datasetId, splits: ['TRAIN'] });
    expect(train.every((s) => s.subjectId === 'a')).toBe(true);
    expect(train).toHaveLength(firstSubject.externalId === 'a' ? 3 : 2);
    const two = await loadImageSlices(store, { datasetId, ids: [ids['second-ES-0'], ids['elsewhere']] });
    expect(two.map((s) => nameOf(s.id))).toEqual(['second-ES-0']);
    expect(await loadImageSlices(store, { datasetId, ids: ['00000000-0000-4000-8000-000000000000'] })).toEqual([]);
    expect(await loadImageSlices(store, { datasetId, splits: ['VAL'] })).toEqual([]);
  });

  test('loadSlices gives labelled slices (attached labels included) and refuses a slice without one', async () => {
    const labelled = await loadSlices(store, { datasetId, ids: [ids['first-ED-0'], ids['first-ES-0']] });
    expect(labelled.map((s) => [nameOf(s.id), Array.from(s.label)])).toEqual([
      ['first-ED-0', Array.from(label(7))],
      ['first-ES-0', Array.from(label(3))],
    ]);
    await expect(loadSlices(store, { datasetId })).rejects.toMatchObject({ code: 'LABELS_MISSING' });
  });
});
