/**
 * The study's progress in a terminal: one bar per stage on a TTY, else a log line whenever the
 * study's own progress line changes (`--no-progress`, pipes, CI).
 */
import cliProgress from 'cli-progress';
import type { ForegroundStudyOptions } from '../services/study/foreground';

const STAGE_NAMES: Record<string, string> = {
  datasets: 'phantom sites A, B',
  training: 'training',
  siteA: 'site A test + distortions',
  siteB: 'site B (shift)',
  extras: 'TTA, temperature scaling',
};

export interface StudyProgress {
  update: NonNullable<ForegroundStudyOptions['onProgress']>;
  stop(): void;
}

export function studyProgress(log: (message: string) => void, options: { bars?: boolean } = {}): StudyProgress {
  const bars =
    options.bars === false || !process.stderr.isTTY
      ? undefined
      : new cliProgress.MultiBar(
          {
            format: ' {stage} |{bar}| {done}/{total} done {running} | ETA {eta_formatted}',
            hideCursor: true,
            clearOnComplete: false,
            etaBuffer: 30,
            fps: 2,
            stream: process.stderr,
          },
          cliProgress.Presets.shades_classic,
        );
  const handles = new Map<string, cliProgress.SingleBar>();
  let lastLine = '';
  return {
    update(run, stages) {
      if (bars) {
        for (const s of stages) {
          const payload = {
            stage: STAGE_NAMES[s.stage].padEnd(26),
            done: s.done,
            total: s.total,
            running: s.running ? `· ${s.running} running` : '',
          };
          let bar = handles.get(s.stage);
          if (!bar) handles.set(s.stage, (bar = bars.create(Math.max(s.total, 1), 0, payload)));
          bar.setTotal(Math.max(s.total, 1));
          bar.update(s.value, payload);
        }
        return;
      }
      const line = `${(run.progress * 100).toFixed(0)}% · ${run.stage ?? run.status}${run.etaSeconds ? ` · ETA ${Math.round(run.etaSeconds / 60)} min` : ''}`;
      if (line !== lastLine) log(line);
      lastLine = line;
    },
    stop() {
      bars?.stop();
    },
  };
}
