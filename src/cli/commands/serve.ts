/**
 * `cardiac-uq serve [--role api|worker|all]`: the platform in the foreground until Ctrl-C or
 * SIGTERM, which stop it cleanly (the embedded Postgres included).
 *
 * With role `all` (`npm start`) on an empty store it also runs the `quick` benchmark study with
 * progress in the terminal and writes the report (services/study/foreground.ts, as `cardiac-uq
 * study` does); an unfinished study is
 * resumed at the next start. CARDIAC_UQ_AUTOSTUDY=0 turns this off.
 *
 * Role `all` runs its jobs in a supervised `serve --role worker` child (src/jobs/worker-processes.ts)
 * and the study adds one more per further CPU core: one worker process per core, the API alone
 * on its event loop. Such a supervised child leaves Ctrl-C to its supervisor, which forwards it
 * as SIGTERM, and stops by itself when its supervisor is gone.
 */
import os from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import type { Role } from '../../config';
import { loadConfig } from '../../config';
import { loadApp, loadStudyService } from '../lazy';
import { studyProgress } from '../study-progress';

export function register(program: Command): void {
  program
    .command('serve')
    .description('run the GraphQL API and/or a worker (the default of `npm start`)')
    .addOption(new Option('--role <role>', 'api, worker or all').choices(['api', 'worker', 'all']).default('all'))
    .option('--port <port>', 'HTTP port (env CARDIAC_UQ_PORT, default 4000)')
    .option('--host <host>', 'HTTP host (env CARDIAC_UQ_HOST, default 127.0.0.1)')
    .action(async (options: { role: Role; port?: string; host?: string }) => {
      const config = loadConfig({
        ...process.env,
        ...(options.port !== undefined ? { CARDIAC_UQ_PORT: options.port } : {}),
        ...(options.host !== undefined ? { CARDIAC_UQ_HOST: options.host } : {}),
      });
      const log = (message: string) => console.error(`[cardiac-uq] ${message}`);
      log(
        `starting (${options.role}); database: ${config.databaseUrl ? 'external (DATABASE_URL)' : `embedded in ${config.dataDir}`}`,
      );
      const { startPlatform } = loadApp();
      const platform = await startPlatform(config, options.role, log);
      log(`database: ${platform.database}`);
      if (platform.graphqlUrl) {
        console.log(`GraphQL:   ${platform.graphqlUrl}`);
        console.log(`Dashboard: ${platform.url}/`);
      }
      if (options.role === 'worker')
        log(`worker consuming: ${platform.workerQueues.join(', ') || '(no job handlers registered)'}`);
      if (platform.workers) log(`worker process: pid ${platform.workers.pids().join(', ')} (started again if it dies)`);
      log('ready; Ctrl-C to stop');

      const study = new AbortController();
      let following: Promise<unknown> = Promise.resolve();
      if (options.role === 'all' && process.env.CARDIAC_UQ_AUTOSTUDY !== '0') {
        const progress = studyProgress(log);
        following = loadStudyService()
          .runStudyInForeground({
            config,
            platform,
            preset: 'quick',
            repeats: 1,
            reportDir: path.join(config.dataDir, 'report'),
            // With the supervised child: one worker process per core.
            workers: Math.max(0, os.cpus().length - 1),
            log,
            signal: study.signal,
            mode: 'auto',
            onProgress: progress.update,
          })
          .finally(() => progress.stop())
          .then((result) => {
            if (result?.reportPath) console.log(`Report:    ${result.reportPath}`);
          })
          .catch((error: Error) => log(`study: ${error.message}`));
      }

      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) {
          // The embedded Postgres left running is recovered at the next start (embedded-postgres.ts).
          log(`${signal} again: quitting at once`);
          platform.kill();
          process.exit(130);
        }
        stopping = true;
        log(
          `${signal}: stopping — jobs in hand get a few seconds, then resume at the next start (${signal} again quits at once)`,
        );
        study.abort();
        await following;
        await platform.close();
        log('stopped');
        process.exit(0);
      };
      // embedded-postgres installs its own exit hook that stops the cluster at once; we stop the
      // cluster last, after the API and the queue have let go of it.
      process.removeAllListeners('SIGINT');
      process.removeAllListeners('SIGTERM');
      const supervised = options.role === 'worker' && typeof process.send === 'function';
      if (supervised) {
        // Ctrl-C reaches the whole process group: the supervisor turns it into our SIGTERM.
        process.on('SIGINT', () => {});
        process.once('disconnect', () => void stop('supervisor gone'));
      } else {
        process.on('SIGINT', () => void stop('SIGINT'));
      }
      process.on('SIGTERM', () => void stop('SIGTERM'));
    });
}
