// The distortions view's calibration and failure-detection panel: per finished evaluation of the
// sweep (level 0 and every kind × level) the ECE beside MCE, class-wise and adaptive ECE
// (Evaluation.calibrationMeasures), and for the chosen structure and QC measure AURC, E-AURC and
// AUGRC with risk 1 − Dice and poor and the AUROC for poor (Evaluation.failureDetection), with the
// risk–coverage curves (risk 1 − Dice) of each kind's levels (docs/design.md "Dashboard").
import { gql } from '../gql.js';
import { h, num, select, table } from '../dom.js';
import { updateParams } from '../state.js';

export const FD_MEASURES = ['ENTROPY', 'MI', 'DICE_WITHIN', 'ASSD_WITHIN'];
const CURVE_POINTS = 100;
const RISK = 'aurc eAurc augrc points { coverage risk }';

/** The QC measure the panel shows (URL parameter fd). */
export const failurePanelMeasure = (params) => (FD_MEASURES.includes(params.get('fd')) ? params.get('fd') : 'ENTROPY');

/** The sweep's finished evaluations in the panel's order: level 0, then kind by kind, level by level. */
function inOrder(evaluations) {
  return [...evaluations].sort(
    (a, b) =>
      (a.distortionKind === 'NONE' ? '' : a.distortionKind).localeCompare(
        b.distortionKind === 'NONE' ? '' : b.distortionKind,
      ) || a.distortionLevel - b.distortionLevel,
  );
}

/**
 * The panel's one request (sent with the view's others; `evaluations`: the sweep's finished ones,
 * { id, distortionKind, distortionLevel }): resolves to the answer renderFailurePanel draws.
 */
export async function requestFailurePanel({ scope, structure, measure, evaluations }) {
  const ordered = inOrder(evaluations);
  if (!ordered.length) return {};
  const fields = ordered
    .map(
      (e, i) => `e${i}: evaluation(id: "${e.id}") {
        calibrationMeasures(scope: $scope) { ece mce classwiseEce adaptiveEce adaptiveEceErrorBound unavailable }
        failureDetection(structure: $structure, measure: $measure, scope: $scope, maxPoints: ${CURVE_POINTS}) {
          n poor auroc diceRisk { ${RISK} } poorRisk { ${RISK} } } }`,
    )
    .join('\n');
  return gql(`query($scope: SliceScope, $structure: Structure!, $measure: UncertaintyMeasure!) { ${fields} }`, {
    scope,
    structure,
    measure,
  });
}

/** Appends the panel to `root` from requestFailurePanel's `answer` (`charts`: the charts.js module, loaded by the view). */
export function renderFailurePanel(root, { structure, measure, evaluations, answer, charts }) {
  const { drawChart, colourAt } = charts;
  const ordered = inOrder(evaluations);
  root.append(
    h('h3', {}, 'Calibration and failure detection by level'),
    h(
      'div',
      { class: 'toolbar' },
      select(
        'QC measure',
        'fd',
        FD_MEASURES.map((m) => [m, m]),
        measure,
        (v) => updateParams({ fd: v }),
      ),
    ),
  );
  if (!ordered.length) return;
  const results = ordered.map((e, i) => ({ e, ...answer[`e${i}`] }));
  const rows = results.map(({ e, calibrationMeasures: c, failureDetection: f }) => [
    e.distortionKind,
    String(e.distortionLevel),
    num(c.ece, 4),
    num(c.mce, 4),
    num(c.classwiseEce, 4),
    c.adaptiveEce === null ? '—' : `${num(c.adaptiveEce, 4)} ± ${num(c.adaptiveEceErrorBound, 4)}`,
    num(f?.diceRisk.aurc ?? null, 4),
    num(f?.diceRisk.eAurc ?? null, 4),
    num(f?.diceRisk.augrc ?? null, 4),
    num(f?.poorRisk.aurc ?? null, 4),
    num(f?.poorRisk.eAurc ?? null, 4),
    num(f?.auroc ?? null, 3),
  ]);
  const why = [...new Set(results.map((r) => r.calibrationMeasures.unavailable).filter(Boolean))];
  root.append(
    h(
      'div',
      { id: 'failure-table' },
      table(
        [
          'Kind',
          'Level',
          'ECE',
          'MCE',
          'Class-wise ECE',
          'Adaptive ECE',
          'AURC 1−Dice',
          'E-AURC 1−Dice',
          'AUGRC 1−Dice',
          'AURC poor',
          'E-AURC poor',
          'AUROC poor',
        ],
        rows,
        `Calibration and failure detection (${structure}, ${measure}) per evaluation of the sweep`,
      ),
    ),
  );
  if (why.length) root.append(h('p', { class: 'note', id: 'failure-unavailable' }, why.join(' ')));
  const grid = h('div', { class: 'grid' });
  root.append(grid);
  const none = results.filter((r) => r.e.distortionKind === 'NONE');
  const kinds = [...new Set(results.map((r) => r.e.distortionKind))].filter((k) => k !== 'NONE');
  // Every chart is in the grid before the first is drawn (a growing grid lays drawn charts out again).
  const els = kinds.map((kind) => h('div', { class: 'chart', id: `chart-rc-${kind}` }));
  grid.append(...els);
  kinds.forEach((kind, k) => {
    const curves = [...none, ...results.filter((r) => r.e.distortionKind === kind)].filter((r) => r.failureDetection);
    const el = els[k];
    drawChart(
      el,
      {
        title: { text: `${kind}: risk–coverage (${structure}, ${measure})`, textStyle: { fontSize: 13 } },
        legend: { top: 22, type: 'scroll' },
        xAxis: { type: 'value', name: 'coverage', nameLocation: 'middle', nameGap: 26, min: 0, max: 1 },
        yAxis: { type: 'value', name: 'mean 1 − Dice accepted', scale: true },
        series: curves.map((r, i) => ({
          name: `level ${r.e.distortionLevel}`,
          type: 'line',
          symbol: 'none',
          color: colourAt(i),
          data: r.failureDetection.diceRisk.points.map((p) => [p.coverage, p.risk]),
        })),
      },
      curves.map((r) => [r.e.distortionLevel, r.failureDetection.diceRisk.points.map((p) => [p.coverage, p.risk])]),
      `Risk–coverage curves (risk 1 − Dice) of ${structure} flagged by ${measure}, ${kind} levels ${curves.map((r) => r.e.distortionLevel).join(', ')}`,
    );
  });
}
