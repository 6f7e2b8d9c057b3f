/** What every resolver receives: the store, the queue, who is asking. */
import type { Config } from '../config';
import type { Store } from '../db/client';
import type { Launcher } from '../jobs/launch';
import type { Boss } from '../jobs/queues';

export interface ApiContext {
  store: Store;
  boss: Boss;
  config: Config;
  databaseDescription: string;
  backend: string;
  actor: string;
}

export function launcher(ctx: ApiContext): Launcher {
  return { store: ctx.store, boss: ctx.boss, actor: ctx.actor, codeVersion: ctx.config.version };
}
