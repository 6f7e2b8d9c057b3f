// The charts on the page, kept apart from charts.js so that the router can dispose them without
// loading the chart library: views without charts (Runs, Study, …) never load ECharts.
const live = new Map();
// The container size each chart was last laid out for: a ResizeObserver reports every element once
// as soon as it is observed, and redrawing a chart for a size it already has doubles the view's
// drawing time.
const laidOut = new Map();
const sizeOf = (el) => `${el.clientWidth}x${el.clientHeight}`;
// Charts follow their container's size (grids reflow as charts are added, windows resize).
const resizer = new ResizeObserver((entries) => {
  for (const entry of entries) {
    const chart = live.get(entry.target);
    const size = sizeOf(entry.target);
    if (!chart || laidOut.get(entry.target) === size) continue;
    laidOut.set(entry.target, size);
    chart.resize();
  }
});

export function chartOf(el) {
  return live.get(el);
}

export function track(el, chart) {
  live.set(el, chart);
  laidOut.set(el, sizeOf(el));
  resizer.observe(el);
}

export function disposeCharts() {
  for (const chart of live.values()) chart.dispose();
  live.clear();
  laidOut.clear();
  resizer.disconnect();
}
