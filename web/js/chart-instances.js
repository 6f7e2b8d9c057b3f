// The charts on the page, kept apart from charts.js so that the router can dispose them without
// loading the chart library: views without charts (Runs, Study, …) never load ECharts.
const live = new Map();
// Charts follow their container's size (grids reflow as charts are added, windows resize).
const resizer = new ResizeObserver((entries) => {
  for (const entry of entries) live.get(entry.target)?.resize();
});

export function chartOf(el) {
  return live.get(el);
}

export function track(el, chart) {
  live.set(el, chart);
  resizer.observe(el);
}

export function disposeCharts() {
  for (const chart of live.values()) chart.dispose();
  live.clear();
  resizer.disconnect();
}
