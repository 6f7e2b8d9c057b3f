// Study: the benchmark study's progress, live by the runProgress subscription (polling when there
// is none), how many of its runs of each kind have finished, and its headline tables as results
// arrive — accuracy and calibration per variant, the review fraction that leaves at most 5 % poor
// segmentations per structure against random and slice-position review, and site shift — with the
// command that writes the full report. Everything is read through existing list fields
// (runs, run { children }, evaluations, and compare with its qc, one request per 50 evaluations).
import { constants, gql, inBatches } from '../gql.js';
import { h, num, pct, select, shortId, EVALUATION_FIELDS } from '../dom.js';
import { defaultSelection } from '../picker.js';
import { followRun, PROGRESS_FIELDS } from '../live.js';
import { updateParams } from '../state.js';

const TARGET = 0.05;
// compare(evaluationIds) takes at most 50 ids.
const COMPARE_BATCH = 50;
const KINDS = ['DATASET', 'TRAIN', 'SWEEP', 'EVALUATE'];
// Results are re-read at most this often while the study runs (progress itself is live).
const REFRESH_MS = 5000;

const modelOf = (e) => e.label.split(' · ')[0];
const meanOf = (xs) => (xs.some((x) => x === null) || !xs.length ? null : xs.reduce((a, b) => a + b, 0) / xs.length);

/** A table whose raw numbers also live in its `data-points` (JSON), as charts carry theirs. */
function dataTable(id, caption, headers, rows, points) {
  const el = h(
    'table',
    { id },
    h('caption', { class: 'visually-hidden' }, caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((x, i) => h('th', { scope: 'col', class: i === 0 ? 'text' : '' }, x)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((row) =>
        h(
          'tr',
          {},
          row.map((cell, i) => (i === 0 ? h('th', { scope: 'row', class: 'text' }, cell) : h('td', {}, cell))),
        ),
      ),
    ),
  );
  el.dataset.points = JSON.stringify(points);
  return el;
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return '';
  return seconds < 120 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 60)} min`;
}

export async function render(root, ctx) {
  const { params, scope } = ctx;
  const [{ structures: STRUCTURES, uncertaintyMeasures: MEASURES, activeRunStatuses: ACTIVE }, found] =
    await Promise.all([
      constants(),
      gql(`{ runs(first: 50, filter: { kind: STUDY }) { nodes { ${PROGRESS_FIELDS} createdAt config } } }`),
    ]);
  const studies = found.runs.nodes;
  root.append(h('h2', {}, 'Study'));
  if (!studies.length) {
    root.append(
      h(
        'p',
        { class: 'empty' },
        'No study yet: `npm start` runs the quick study, or start one with the startStudy mutation.',
      ),
    );
    return;
  }
  const study = studies.find((s) => s.id === params.get('study')) ?? studies[0];
  const measure = MEASURES.includes(params.get('measure')) ? params.get('measure') : 'ASSD_WITHIN';
  const preset = (s) => s.config?.plan?.preset ?? s.config?.preset ?? 'study';
  root.append(
    h(
      'div',
      { class: 'toolbar' },
      select(
        'Study',
        'study',
        studies.map((s) => [s.id, `${preset(s)} · ${shortId(s.id)} · ${s.status}`]),
        study.id,
        (v) => updateParams({ study: v }),
      ),
      select(
        'QC uncertainty measure',
        'measure',
        MEASURES.map((m) => [m, m]),
        measure,
        (v) => updateParams({ measure: v }),
      ),
    ),
  );

  const bar = h('progress', { max: '1', value: '0', 'aria-label': 'study progress' });
  const line = h('span', {});
  const progress = h('section', { class: 'panel', id: 'study-progress', 'aria-live': 'polite' }, bar, ' ', line);
  const stages = h('div', { id: 'study-stages' });
  const results = h('div', { id: 'study-results' });
  const report = h(
    'section',
    { class: 'panel', id: 'study-report', 'aria-label': 'Written report' },
    h('h3', {}, 'Written report'),
    h(
      'p',
      {},
      'The API does not serve the report (HTML and Markdown with figures, regenerated from these runs); write it with ',
      h('code', {}, `cardiac-uq report --out report --study ${study.id}`),
      ' and open report/report.html; ',
      h('code', {}, 'npm start'),
      ' writes it into its data folder (report/) once the study finishes.',
    ),
  );
  root.append(progress, stages, results, report);

  function showProgress(p, via) {
    bar.value = p.progress;
    const eta = ACTIVE.includes(p.status) && p.etaSeconds ? ` · ETA ${duration(p.etaSeconds)}` : '';
    line.textContent = `${p.status} · ${Math.round(p.progress * 100)}%${p.stage ? ` · ${p.stage}` : ''}${eta}${p.error ? ` · ${p.error}` : ''} (${via === 'subscription' ? 'live' : 'polled'})`;
    Object.assign(progress.dataset, { status: p.status, progress: String(p.progress), via });
  }
  showProgress(study, 'query');

  let refreshing = null;
  let lastRefresh = 0;
  let lastStatus = study.status;
  async function refresh() {
    lastRefresh = Date.now();
    const [{ run }, listed] = await Promise.all([
      gql('query($id: ID!) { run(id: $id) { id children { id kind status } } }', { id: study.id }),
      gql(`{ evaluations { ${EVALUATION_FIELDS} } }`),
    ]);
    const children = run.children;
    stages.replaceChildren(
      dataTable(
        'study-stages-table',
        "The study's runs by kind",
        ['Runs', 'Finished', 'Running', 'Queued', 'Failed or cancelled'],
        KINDS.map((kind) => {
          const of = children.filter((c) => c.kind === kind);
          const count = (statuses) => String(of.filter((c) => statuses.includes(c.status)).length);
          return [
            kind,
            `${of.filter((c) => c.status === 'SUCCEEDED').length}/${of.length}`,
            count(['RUNNING']),
            count(['QUEUED']),
            count(['FAILED', 'CANCELLED']),
          ];
        }),
        children.map((c) => ({ id: c.id, kind: c.kind, status: c.status })),
      ),
    );
    const trainings = new Set(children.filter((c) => c.kind === 'TRAIN').map((c) => c.id));
    const all = listed.evaluations.filter((e) => trainings.has(e.trainingRunId));
    const siteA = defaultSelection(all);
    const siteB = defaultSelection(all, { siteB: true }).filter((id) => !siteA.includes(id));
    const byId = new Map(all.map((e) => [e.id, e]));
    await drawResults(siteA, siteB, byId);
  }

  async function drawResults(siteA, siteB, byId) {
    const ids = [...siteA, ...siteB];
    if (!ids.length) {
      results.replaceChildren(
        h('p', { class: 'empty' }, 'No results yet: the tables fill in as the study’s evaluations finish.'),
      );
      return;
    }
    const compare = await inBatches(
      ids,
      COMPARE_BATCH,
      async (batch) =>
        (
          await gql(
            `query($ids: [ID!]!, $scope: SliceScope, $measure: UncertaintyMeasure!) { compare(evaluationIds: $ids, scope: $scope) {
        evaluationId trainingRunId site entropy mi structures { structure n dice assd } calibration { ece nll brier }
        qc(measure: $measure, target: ${TARGET}) { structure reviewAt randomReviewAt slicePositionReviewAt curve { n poor } } } }`,
            { ids: batch, scope, measure },
          )
        ).compare,
    );
    if (!ctx.isCurrent()) return;
    const row = (id) => compare.find((r) => r.evaluationId === id);
    const dice = (r, s) => r.structures.find((x) => x.structure === s)?.dice ?? null;
    const assd = (r, s) => r.structures.find((x) => x.structure === s)?.assd ?? null;

    const accuracy = siteA.map((id) => {
      const r = row(id);
      return {
        evaluationId: id,
        model: modelOf(byId.get(id)),
        dice: STRUCTURES.map((s) => dice(r, s)),
        assd: STRUCTURES.map((s) => assd(r, s)),
        ece: r.calibration.ece,
        nll: r.calibration.nll,
        brier: r.calibration.brier,
        entropy: r.entropy,
        mi: r.mi,
      };
    });
    const review = siteA.flatMap((id) => {
      const qc = row(id).qc;
      return STRUCTURES.map((s) => {
        const q = qc.find((x) => x.structure === s);
        return {
          evaluationId: id,
          model: modelOf(byId.get(id)),
          structure: s,
          n: q?.curve.n ?? 0,
          poor: q?.curve.poor ?? 0,
          reviewAt: q?.reviewAt ?? null,
          random: q?.randomReviewAt ?? null,
          slicePosition: q?.slicePositionReviewAt ?? null,
        };
      });
    });
    // Site shift: each model's site-A test evaluation against its site-B one.
    const shift = siteB.flatMap((idB) => {
      const b = byId.get(idB);
      const idA = siteA.find((id) => byId.get(id).trainingRunId === b.trainingRunId);
      if (!idA) return [];
      const [ra, rb] = [row(idA), row(idB)];
      return [
        {
          model: modelOf(b),
          siteA: idA,
          siteB: idB,
          meanDice: [meanOf(STRUCTURES.map((s) => dice(ra, s))), meanOf(STRUCTURES.map((s) => dice(rb, s)))],
          ece: [ra.calibration.ece, rb.calibration.ece],
          entropy: [ra.entropy, rb.entropy],
        },
      ];
    });
    const delta = ([a, b]) => (a === null || b === null ? null : b - a);
    results.replaceChildren(
      h('h3', {}, 'Accuracy and calibration per variant (site A test, undistorted)'),
      accuracy.length
        ? dataTable(
            'study-accuracy',
            'Accuracy and calibration per variant',
            [
              'Variant',
              ...STRUCTURES.map((s) => `Dice ${s}`),
              ...STRUCTURES.map((s) => `ASSD ${s} mm`),
              'ECE',
              'NLL',
              'Brier',
              'Entropy',
              'MI',
            ],
            accuracy.map((a) => [
              a.model,
              ...a.dice.map((x) => num(x)),
              ...a.assd.map((x) => num(x, 2)),
              num(a.ece, 4),
              num(a.nll, 4),
              num(a.brier, 4),
              num(a.entropy, 4),
              num(a.mi, 4),
            ]),
            accuracy,
          )
        : h('p', { class: 'empty' }, 'No site-A test evaluation has finished yet.'),
      h('h3', {}, `Review needed to leave ≤ ${pct(TARGET)} poor segmentations (site A test, by ${measure})`),
      review.length
        ? dataTable(
            'study-review',
            'Review fraction per variant and structure against random and slice-position review',
            ['Variant', 'Structure', 'Slices', 'Poor', `By ${measure}`, 'Random', 'Slice position'],
            review.map((r) => [
              r.model,
              r.structure,
              String(r.n),
              String(r.poor),
              pct(r.reviewAt),
              pct(r.random),
              pct(r.slicePosition),
            ]),
            review,
          )
        : h('p', { class: 'empty' }, 'No QC curve yet.'),
      h('h3', {}, 'Site shift (site A test against all of site B, undistorted)'),
      shift.length
        ? dataTable(
            'study-shift',
            'Accuracy, calibration and uncertainty per variant on site A and site B',
            ['Variant', 'Mean Dice A', 'Mean Dice B', 'Δ Dice', 'ECE A', 'ECE B', 'Entropy A', 'Entropy B'],
            shift.map((s) => [
              s.model,
              num(s.meanDice[0]),
              num(s.meanDice[1]),
              num(delta(s.meanDice)),
              num(s.ece[0], 4),
              num(s.ece[1], 4),
              num(s.entropy[0], 4),
              num(s.entropy[1], 4),
            ]),
            shift,
          )
        : h('p', { class: 'empty' }, 'No site-B evaluation has finished yet.'),
    );
  }

  await refresh();
  // Live progress; results are re-read when the stage or status changes, and at most every REFRESH_MS.
  const stop = followRun(study.id, {
    isActive: (status) => ACTIVE.includes(status),
    onProgress: (p, via) => {
      if (!ctx.isCurrent()) return;
      showProgress(p, via);
      const due = p.status !== lastStatus || Date.now() - lastRefresh > REFRESH_MS;
      lastStatus = p.status;
      if (due && !refreshing && lastRefresh)
        refreshing = refresh()
          .catch((e) => ctx.setStatus(e.message, true))
          .finally(() => {
            refreshing = null;
          });
    },
    onError: (e) => ctx.setStatus(e.message, true),
  });
  return stop;
}
