/** Cancelling work: a queued or running run and everything below it. */
import { appendAudit } from '../db/audit';
import { isUuid } from '../db/ids';
import { ACTIVE_WHERE, isActive } from '../domain/constants';
import { runTree } from '../store/runs';
import { conflict, notFound } from './errors';
import type { Launcher } from './launcher';

/** Cancels a queued or running run and its descendants; workers stop at their next progress report. */
export async function cancelRun(l: Launcher, id: string) {
  const run = isUuid(id) ? await l.store.run.findUnique({ where: { id } }) : null;
  if (!run) throw notFound('run', id);
  if (!isActive(run.status)) throw conflict(`run ${id} is already ${run.status}`);
  return l.store.$transaction(async (tx) => {
    const ids = await runTree(tx, id);
    await tx.run.updateMany({
      where: { id: { in: ids }, status: ACTIVE_WHERE },
      data: { status: 'CANCELLED', finishedAt: new Date() },
    });
    await appendAudit(tx, {
      actor: l.actor,
      action: 'run.cancelled',
      entity: 'Run',
      entityId: id,
      details: { previousStatus: run.status, runs: ids.length },
    });
    return tx.run.findUniqueOrThrow({ where: { id } });
  });
}
