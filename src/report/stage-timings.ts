/**
 * Section 7's wall time per stage (docs/design.md "The study", stage timings): the study's
 * children timed by domain/study-timings.ts, the same table the CLI prints at the end of a study
 * (which adds the report's own time, unknown while the report is written).
 */
import { studyTimings } from '../domain/study-timings';
import type { ReportData } from './collect';
import type { Block } from './document';

const min = (s: number | null) => (s === null ? '—' : (s / 60).toFixed(1));

export function stageTimingBlocks(data: ReportData): Block[] {
  const t = studyTimings(data.children);
  return [
    { type: 'h3', text: 'Wall time per stage' },
    {
      type: 'p',
      text: 'Per stage the span from its first run started to its last finished, and the sum of its runs’ wall times (runs share the CPU cores and interleave, so the sum can exceed the span). Then every run: start after the first child started, and wall time. The report’s own time is printed by the command that wrote it.',
    },
    {
      type: 'table',
      header: ['stage', 'runs', 'span (min)', 'sum of runs (min)'],
      rows: t.stages.map((s) => [s.stage, String(s.runs), min(s.spanS), min(s.sumS)]),
    },
    {
      type: 'table',
      header: ['stage', 'run', 'start (min)', 'wall (min)'],
      rows: t.rows.map((r) => [r.stage, r.label, min(r.startS), min(r.wallS)]),
    },
  ];
}
