/**
 * `cardiac-uq report --out DIR [--study RUN_ID]`: writes the study report (HTML + Markdown with SVG
 * figures, src/report) from the store — the given study, else the newest one. The report reads
 * everything through the GraphQL API (executed in this process). Uses DATABASE_URL, else the
 * embedded Postgres in CARDIAC_UQ_DATA_DIR (which must not be in use by a running `serve`).
 */
import path from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../../config';
import { loadDatabase, loadQueues, loadReport } from '../lazy';

export function register(program: Command): void {
  program
    .command('report')
    .description("write the study report (the paper's tables and figures from our runs) as HTML + Markdown")
    .requiredOption('--out <dir>', 'report folder')
    .option('--study <runId>', 'the STUDY run (default: the newest)')
    .action(async (options: { out: string; study?: string }) => {
      const config = loadConfig(process.env);
      const log = (message: string) => console.error(`[cardiac-uq] ${message}`);
      const { openDatabase, createStore } = loadDatabase();
      const { startBoss } = loadQueues();
      const { writeReport } = loadReport();
      const database = await openDatabase(config, log);
      const store = createStore(database.url);
      const boss = await startBoss(database.url, { onError: (error) => log(`pg-boss: ${error.message}`) });
      try {
        const report = await writeReport(
          { store, boss, config, databaseDescription: database.description },
          { outDir: path.resolve(options.out), studyRunId: options.study },
        );
        console.log(`Report: ${report.htmlPath}`);
        console.log(`Markdown: ${report.markdownPath}`);
      } finally {
        await boss.stop({ graceful: false }).catch(() => {});
        await store.$disconnect().catch(() => {});
        await database.close();
      }
    });
}
