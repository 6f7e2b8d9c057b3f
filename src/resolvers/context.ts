/** What every resolver receives: the store, the queue, who is asking. */
import type { Config } from '../config';
import type { Store } from '../db/client';
import type { Launcher } from '../services/launcher';
import type { Boss } from '../jobs/queues';
import type { ApiRole } from '../server/auth';

export interface ApiContext {
  store: Store;
  boss: Boss;
  config: Config;
  databaseDescription: string;
  backend: string;
  /** Who is asking: the API key's name (or the local actor when no keys are configured). */
  actor: string;
  /** The caller's role, checked by `@Authorized` (src/server/auth.ts). */
  role: ApiRole;
}

export function launcher(ctx: ApiContext): Launcher {
  return { store: ctx.store, boss: ctx.boss, actor: ctx.actor, codeVersion: ctx.config.codeVersion };
}
