// Thin layer over ECharts: every chart carries the numbers it draws in `data-points` (JSON), so a
// test — or a user copying data — reads exactly what is plotted. ECharts (one prebuilt browser
// file, served at /vendor/echarts) is loaded when the first view that draws a chart imports this
// module, not with the page: it is most of the page's script, and half the views draw no chart.
import { chartOf, track } from './chart-instances.js';

export { disposeCharts } from './chart-instances.js';

const echarts =
  globalThis.echarts ??
  (await new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = '/vendor/echarts/echarts.min.js';
    script.onload = () => resolve(globalThis.echarts);
    script.onerror = () => reject(new Error('could not load the chart library (/vendor/echarts)'));
    document.head.append(script);
  }));

export const METHOD_COLOURS = { PLAIN: '#5470c6', MC_DROPOUT: '#d9534f', BBB: '#2e9b57', ENSEMBLE: '#d69a00' };
const PALETTE = ['#5470c6', '#d9534f', '#2e9b57', '#d69a00', '#7b4fb3', '#1496a8', '#a0522d', '#e377c2'];
export const colourAt = (i) => PALETTE[i % PALETTE.length];

function draw(el, option, description) {
  let chart = chartOf(el);
  if (!chart) {
    chart = echarts.init(el, null, { renderer: 'canvas' });
    track(el, chart);
  }
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
  return chart;
}

/** Draws `option` into `el` (replacing what was there) and records `points` on the element. */
export function drawChart(el, option, points, description) {
  const chart = draw(el, option, description);
  el.dataset.points = JSON.stringify(points);
  el.dataset.ready = 'true';
  return chart;
}

/**
 * Draws a chart's frame (title, axes, fixed series such as a reference line) while its numbers are
 * on their way: the first drawing of a page is the slowest (the library's code runs for the first
 * time), and this one costs no wait. The chart is not ready (no `data-ready`, no `data-points`)
 * until drawChart draws the numbers into it.
 */
export function drawFrame(el, option, description) {
  draw(el, option, `${description} (loading)`);
}
