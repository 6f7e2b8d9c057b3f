/** Run rows: a new run and its `run.created` audit event, in one transaction. */
import type { Prisma } from '../db/generated/client';
import type { Method, RunKind } from '../db/generated/enums';
import type { Store } from '../db/client';
import { appendAudit } from '../db/audit';

/** Who starts work: recorded on the run and its audit event. */
export interface Author {
  actor: string;
  codeVersion: string;
}

export interface NewRun {
  kind: RunKind;
  method?: Method | null;
  config: Prisma.InputJsonObject;
  seed?: number;
  parentRunId?: string;
  datasetId?: string;
}

/**
 * Launch transactions wait for the audit chain's lock; from a worker whose event loop a training
 * step blocks (the study job) Prisma's 5 s default expires them, so allow a minute.
 */
export const LAUNCH_TX = { maxWait: 30000, timeout: 60000 };

/** `claim` runs first in the run's transaction; what it throws aborts the run (a claim on a name, datasets.ts). */
export async function createRun(
  store: Store,
  author: Author,
  run: NewRun,
  claim?: (tx: Prisma.TransactionClient) => Promise<void>,
) {
  return store.$transaction(async (tx) => {
    await claim?.(tx);
    const created = await tx.run.create({
      data: {
        kind: run.kind,
        method: run.method ?? undefined,
        config: run.config,
        seed: run.seed,
        parentRunId: run.parentRunId,
        datasetId: run.datasetId,
        codeVersion: author.codeVersion,
        createdBy: author.actor,
      },
    });
    await appendAudit(tx, {
      actor: author.actor,
      action: 'run.created',
      entity: 'Run',
      entityId: created.id,
      details: {
        kind: run.kind,
        method: run.method ?? null,
        config: run.config,
        seed: run.seed ?? null,
        parentRunId: run.parentRunId ?? null,
      },
    });
    return created;
  }, LAUNCH_TX);
}

/** The runs below a run (children, grandchildren, …), the run itself first. */
export async function runTree(tx: Pick<Store, 'run'>, id: string): Promise<string[]> {
  const ids = [id];
  for (let i = 0; i < ids.length; i++) {
    const children = await tx.run.findMany({ where: { parentRunId: ids[i] }, select: { id: true } });
    ids.push(...children.map((c) => c.id));
  }
  return ids;
}
