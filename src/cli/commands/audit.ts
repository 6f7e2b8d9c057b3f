/**
 * `cardiac-uq audit verify`: re-hashes the audit chain in the store. Prints OK with the number of
 * events and the head hash (record it elsewhere: a later verify with `--head` then also detects
 * a truncated tail), or the first broken event and why, and exits 3.
 */
import { Command } from 'commander';
import { withStore } from '../store-access';

export const AUDIT_BROKEN_EXIT = 3;

export function register(program: Command): void {
  const audit = program.command('audit').description('the tamper-evident audit log');
  audit
    .command('verify')
    .description('re-hash the audit chain: OK, or the first edited or deleted event (exit 3)')
    .option('--head <hash>', 'a head hash recorded earlier, which must still be in the chain')
    .option('--json', 'JSON output')
    .action(async (options: { head?: string; json?: boolean }) => {
      const { verifyAuditChain } = require('../../db/audit') as typeof import('../../db/audit');
      await withStore(async (store) => {
        const result = await verifyAuditChain(store);
        const head = await store.auditEvent.findFirst({ orderBy: { seq: 'desc' }, select: { seq: true, hash: true } });
        const headFound = options.head ? (await store.auditEvent.count({ where: { hash: options.head } })) > 0 : true;
        const ok = result.ok && headFound;
        if (options.json) {
          console.log(JSON.stringify({
            ok,
            events: result.events,
            firstBroken: result.firstBroken ? { seq: result.firstBroken.seq.toString(), reason: result.firstBroken.reason } : null,
            headHash: head?.hash ?? null,
            ...(options.head ? { expectedHeadFound: headFound } : {}),
          }));
        } else if (!result.ok) {
          const { seq, reason } = result.firstBroken!;
          const why = reason === 'HASH_MISMATCH' ? 'its content does not match its hash (edited)' : 'it does not link to the event before it (an earlier event was deleted or edited)';
          console.log(`BROKEN: audit event ${seq} is the first broken one: ${why} [${reason}]`);
        } else if (!headFound) {
          console.log(`BROKEN: the recorded head ${options.head} is not in the chain (events at the end were deleted); ${result.events} events chain correctly`);
        } else {
          console.log(`OK: ${result.events} audit events chain correctly; head ${head?.hash ?? '(empty log)'}${head ? ` at event ${head.seq}` : ''}`);
        }
        if (!ok) process.exitCode = AUDIT_BROKEN_EXIT;
      });
    });
}
