// Thin layer over ECharts: every chart carries the numbers it draws in `data-points` (JSON), so a
// test — or a user copying data — reads exactly what is plotted.
const echarts = globalThis.echarts;
const live = new Set();
// Charts follow their container's size (grids reflow as charts are added, windows resize).
const resizer = new ResizeObserver((entries) => {
  for (const entry of entries) echarts.getInstanceByDom(entry.target)?.resize();
});

export const METHOD_COLOURS = { PLAIN: '#5470c6', MC_DROPOUT: '#d9534f', BBB: '#2e9b57', ENSEMBLE: '#d69a00' };
const PALETTE = ['#5470c6', '#d9534f', '#2e9b57', '#d69a00', '#7b4fb3', '#1496a8', '#a0522d', '#e377c2'];
export const colourAt = (i) => PALETTE[i % PALETTE.length];

/** Draws `option` into `el` (replacing what was there) and records `points` on the element. */
export function drawChart(el, option, points, description) {
  let chart = echarts.getInstanceByDom(el);
  if (!chart) {
    chart = echarts.init(el, null, { renderer: 'canvas' });
    resizer.observe(el);
  }
  live.add(chart);
  chart.setOption(
    {
      animation: false,
      aria: { enabled: true, label: { description } },
      grid: { left: 64, right: 24, top: 64, bottom: 44 },
      tooltip: { trigger: 'item' },
      ...option,
      yAxis: option.yAxis && { nameLocation: 'middle', nameGap: 40, ...option.yAxis },
    },
    true,
  );
  el.dataset.points = JSON.stringify(points);
  el.dataset.ready = 'true';
  return chart;
}

export function disposeCharts() {
  for (const chart of live) chart.dispose();
  live.clear();
  resizer.disconnect();
}
