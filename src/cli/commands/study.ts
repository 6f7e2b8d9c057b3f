/**
 * `cardiac-uq study --preset quick|standard|paper [--repeats N] [--report DIR] [--workers W]`: runs the
 * paper's benchmark study on the platform — embedded Postgres, or the one in DATABASE_URL — with
 * progress bars per stage, then writes the report and prints its path (services/study/foreground.ts).
 * Re-running finds finished work; Ctrl-C stops cleanly and a later run resumes.
 *
 * This process serves the API only and follows the study; W worker processes (default: one per CPU
 * core) do the work; with DATABASE_URL more workers elsewhere may share it (then `--workers 0`).
 */
import os from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import { loadConfig } from '../../config';
import { STUDY_PRESETS, type StudyPreset } from '../../domain/run-config';
import { InvalidInputError } from '../../engine/errors';
import type { ForegroundStudyResult } from '../../services/study/foreground';
import { loadApp, loadStudyService } from '../lazy';
import { studyProgress } from '../study-progress';

function positiveInt(text: string, name: string, min = 1): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < min)
    throw new InvalidInputError('BAD_ARGUMENT', `${name} "${text}": expected an integer ≥ ${min}`);
  return v;
}

export function register(program: Command): void {
  program
    .command('study')
    .description("run the paper's benchmark study (datasets, training, distortions, site shift) and write the report")
    .addOption(
      new Option('--preset <preset>', 'quick (2-core CPU, ≤ 30 min), standard (CPU hours, GPU minutes) or paper (GPU)')
        .choices([...STUDY_PRESETS])
        .default('quick'),
    )
    .option('--repeats <n>', "repeats with different seeds (default: the preset's, standard 3, else 1; paper: 5)")
    .option('--report <dir>', 'report folder (default: <data dir>/report)')
    .option('--workers <n>', 'worker processes for the study (default: one per CPU core)')
    .option('--no-progress', 'log lines instead of progress bars')
    .action(
      async (options: {
        preset: StudyPreset;
        repeats?: string;
        report?: string;
        workers?: string;
        progress: boolean;
      }) => {
        const repeats =
          options.repeats !== undefined
            ? positiveInt(options.repeats, '--repeats')
            : loadStudyService().defaultRepeats(options.preset);
        const workers =
          options.workers !== undefined ? positiveInt(options.workers, '--workers', 0) : Math.max(1, os.cpus().length);
        const config = loadConfig(process.env);
        const reportDir = path.resolve(options.report ?? path.join(config.dataDir, 'report'));
        const log = (message: string) => console.error(`[cardiac-uq] ${message}`);
        log(
          `study (${options.preset}); database: ${config.databaseUrl ? 'external (DATABASE_URL)' : `embedded in ${config.dataDir}`}`,
        );
        const { startPlatform } = loadApp();
        // The API only: training blocks the process that runs it, and this one draws the progress.
        const platform = await startPlatform(config, 'api', log);
        if (workers === 0) log('--workers 0: waiting for workers elsewhere (serve --role worker on this database)');
        if (platform.graphqlUrl) {
          console.log(`GraphQL:   ${platform.graphqlUrl}`);
          console.log(`Dashboard: ${platform.url}/`);
        }
        const controller = new AbortController();
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) return;
          stopping = true;
          log(`${signal}: stopping; the study resumes at the next start`);
          controller.abort();
        };
        process.removeAllListeners('SIGINT');
        process.removeAllListeners('SIGTERM');
        process.on('SIGINT', () => stop('SIGINT'));
        process.on('SIGTERM', () => stop('SIGTERM'));
        const progress = studyProgress(log, { bars: options.progress });
        let result: ForegroundStudyResult | undefined;
        try {
          result = await loadStudyService().runStudyInForeground({
            config,
            platform,
            preset: options.preset,
            repeats,
            reportDir,
            workers,
            log,
            signal: controller.signal,
            onProgress: progress.update,
          });
        } finally {
          progress.stop();
          await platform.close();
        }
        if (controller.signal.aborted) {
          log('stopped');
          process.exit(130);
        }
        log(`study ${result!.studyRunId}: ${result!.status} in ${(result!.seconds / 60).toFixed(1)} min`);
        console.log(`Report: ${result!.reportPath}`);
        // Exit now: a job interrupted in this process may hold timers until its retry elsewhere.
        process.exit(result!.status === 'SUCCEEDED' ? 0 : 1);
      },
    );
}
