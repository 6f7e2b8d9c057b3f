import { studyTimings } from '../../src/domain/study-timings';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
const run = (id: string, kind: string, config: object, start: number | null, end: number | null) => ({
  id,
  kind,
  config,
  startedAt: start === null ? null : at(start),
  finishedAt: end === null ? null : at(end),
});

describe('studyTimings', () => {
  it('labels each child as the report does and sums stages by hand', () => {
    const plain = run('t1', 'TRAIN', { method: 'plain', seed: 1 }, 10, 310);
    const de = run('t2', 'TRAIN', { method: 'ensemble', seed: 1, members: 3, member0From: 't1' }, 20, 620);
    const t = studyTimings([
      run('d1', 'DATASET', { name: 'phantom-A' }, 0, 10),
      plain,
      de,
      run('s1', 'SWEEP', { trainingRunId: 't1' }, 310, 400),
      run('e1', 'EVALUATE', { trainingRunId: 't1', split: 'TEST' }, 320, 350),
      run('v1', 'EVALUATE', { trainingRunId: 't1', split: 'VAL' }, 350, 360),
      run('e2', 'EVALUATE', { trainingRunId: 't2', split: null }, 630, null),
      run('e3', 'EVALUATE', { trainingRunId: 't1', split: 'TEST', testTimeAugmentation: true }, 400, 460),
      run('c1', 'CALIBRATE', { trainingRunId: 't2' }, 640, 650),
      run('x', 'STUDY', {}, 0, 1),
    ]);
    expect(t.rows.map((r) => [r.stage, r.label, r.startS, r.wallS])).toEqual([
      ['datasets', 'phantom-A', 0, 10],
      ['training', 'PLAIN seed 1', 10, 300],
      ['training', 'DE-3 seed 1 (member 0 reused from PLAIN)', 20, 600],
      ['site-A sweep', 'PLAIN seed 1', 310, 90],
      ['site-A test', 'PLAIN seed 1', 320, 30],
      ['site-A test', 'PLAIN seed 1 validation', 350, 10],
      ['site B', 'DE-3 seed 1', 630, null],
      ['TTA / TS', 'PLAIN+TTA seed 1 site-A test', 400, 60],
      ['TTA / TS', 'DE-3 seed 1 temperature fit', 640, 10],
    ]);
    expect(t.stages).toEqual([
      { stage: 'datasets', runs: 1, spanS: 10, sumS: 10 },
      { stage: 'training', runs: 2, spanS: 610, sumS: 900 },
      { stage: 'site-A sweep', runs: 1, spanS: 90, sumS: 90 },
      { stage: 'site-A test', runs: 2, spanS: 40, sumS: 40 },
      // Unfinished: no span yet.
      { stage: 'site B', runs: 1, spanS: null, sumS: 0 },
      { stage: 'TTA / TS', runs: 2, spanS: 250, sumS: 70 },
    ]);
  });
});
