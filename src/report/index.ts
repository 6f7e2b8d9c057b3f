/** The study report (placeholder while the report is built). */
import type { Config } from '../config';
import type { Store } from '../db/client';
import type { Boss } from '../jobs/queues';

export interface ReportDeps {
  store: Store;
  boss: Boss;
  config: Config;
  databaseDescription: string;
}

export async function writeReport(_deps: ReportDeps, options: { outDir: string; studyRunId?: string }): Promise<{ htmlPath: string; markdownPath: string }> {
  return { htmlPath: `${options.outDir}/index.html`, markdownPath: `${options.outDir}/report.md` };
}
