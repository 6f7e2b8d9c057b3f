/**
 * `cardiac-uq audit verify`: re-hashes the audit chain (HMAC under CARDIAC_UQ_AUDIT_KEY when the
 * chain was written with it) and recomputes the result digests it records (docs/operations.md
 * "Integrity"). Prints OK with the event count and the head as `<seq>:<hash>` (keep it
 * elsewhere: `--head` later tells whether the chain was since extended, rewritten or cut), or
 * what is wrong and exits 3; a key missing or not the one that wrote the chain exits 2 (the
 * chain could not be checked, which is not the same as broken).
 */
import { Command } from 'commander';
import { parseKeptHead, verifyAuditChain, type KeptHead } from '../../db/audit';
import { AuditKeyError, auditKeysFromEnv } from '../../db/audit-key';
import { describeTarget } from '../../db/result-digest';
import { withStore } from '../store-access';

export const AUDIT_BROKEN_EXIT = 3;
export const AUDIT_CANNOT_VERIFY_EXIT = 2;

export function register(program: Command): void {
  const audit = program.command('audit').description('the tamper-evident audit log');
  audit
    .command('verify')
    .description(
      're-hash the audit chain and the results it records: OK, or the first edited or deleted event or result (exit 3)',
    )
    .option(
      '--head <seq:hash>',
      'a head printed by an earlier verify (`<seq>:<hash>`, or the hash alone): tells whether the chain was only extended since',
    )
    .option('--json', 'JSON output')
    .addHelpText(
      'after',
      '\nWith CARDIAC_UQ_AUDIT_KEY (and CARDIAC_UQ_AUDIT_OLD_KEYS after a rotation) the HMAC links are checked with the key; exit 2 when it is missing or wrong.',
    )
    .action(async (options: { head?: string; json?: boolean }) => {
      const kept = options.head === undefined ? undefined : parseKeptHead(options.head);
      if (kept === null) {
        console.error(
          `--head must be <seq>:<hash> or a 64-digit hex hash as verify prints it (got ${JSON.stringify(options.head)})`,
        );
        process.exitCode = AUDIT_CANNOT_VERIFY_EXIT;
        return;
      }
      let keys;
      try {
        keys = auditKeysFromEnv();
      } catch (error) {
        if (!(error instanceof AuditKeyError)) throw error;
        console.error(error.message);
        process.exitCode = AUDIT_CANNOT_VERIFY_EXIT;
        return;
      }
      await withStore(async (store) => {
        const result = await verifyAuditChain(store, { keys, head: kept });
        const reason = result.firstBroken?.reason;
        const cannotVerify = reason === 'KEY_MISSING' || reason === 'KEY_UNKNOWN';
        if (options.json) {
          console.log(JSON.stringify(toJson(result)));
        } else {
          for (const line of describe(result, kept, keys.current?.id ?? null)) console.log(line);
        }
        if (!result.ok) process.exitCode = cannotVerify ? AUDIT_CANNOT_VERIFY_EXIT : AUDIT_BROKEN_EXIT;
      });
    });
}

type Verification = Awaited<ReturnType<typeof verifyAuditChain>>;

function toJson(result: Verification) {
  const b = result.firstBroken;
  return {
    ok: result.ok,
    events: result.events,
    firstBroken: b
      ? {
          seq: b.seq.toString(),
          reason: b.reason,
          ...(b.keyId ? { keyId: b.keyId } : {}),
          ...(b.digest ? { result: describeTarget(b.digest.target), target: b.digest.target } : {}),
        }
      : null,
    headHash: result.head?.hash ?? null,
    head: result.head ? `${result.head.seq}:${result.head.hash}` : null,
    keyedFrom: result.keyedFrom?.toString() ?? null,
    ...(result.keptHead
      ? {
          keptHead: {
            verdict: result.keptHead.verdict,
            foundAt: result.keptHead.foundAt?.toString() ?? null,
            appended: result.keptHead.appended,
          },
        }
      : {}),
    ...(result.results
      ? {
          results: {
            ok: result.results.ok,
            checked: result.results.checked,
            unverified: result.results.unverified,
            unrecorded: result.results.unrecorded,
          },
        }
      : {}),
  };
}

function describe(result: Verification, kept: KeptHead | undefined, keyId: string | null): string[] {
  const b = result.firstBroken;
  if (b && b.reason !== 'RESULT_MISMATCH') {
    const why = {
      HASH_MISMATCH:
        keyId || b.keyId
          ? 'its content does not match its HMAC under the audit key (edited, and re-hashed without the key if later events chain)'
          : 'its content does not match its hash (edited)',
      BROKEN_LINK: 'it does not link to the event before it (an earlier event was deleted or edited)',
      UNKEYED:
        result.keyedFrom !== null
          ? `it is linked by a plain hash although events from ${result.keyedFrom} on are HMAC-linked with the audit key (rewritten without the key, or written by a process without CARDIAC_UQ_AUDIT_KEY)`
          : 'no event is HMAC-linked although CARDIAC_UQ_AUDIT_KEY is set: the chain was written, or rewritten, without the key',
      KEY_MISSING: `is HMAC-linked with audit key id ${b.keyId}, and CARDIAC_UQ_AUDIT_KEY is not set here: cannot verify (this is not a broken chain)`,
      KEY_UNKNOWN: `is HMAC-linked with audit key id ${b.keyId}, which is neither CARDIAC_UQ_AUDIT_KEY (id ${keyId ?? 'none'}) nor one of CARDIAC_UQ_AUDIT_OLD_KEYS: the key is wrong (or the event's key id was edited); cannot verify`,
    }[b.reason];
    if (b.reason === 'KEY_MISSING' || b.reason === 'KEY_UNKNOWN')
      return [`CANNOT VERIFY: audit event ${b.seq} ${why} [${b.reason}]`];
    return [`BROKEN: audit event ${b.seq} is the first broken one: ${why} [${b.reason}]`];
  }
  const lines: string[] = [];
  const chain = `${result.events} audit events chain correctly${result.keyedFrom !== null ? ` (HMAC-SHA-256 with the audit key from event ${result.keyedFrom})` : ''}`;
  const r = result.results;
  const resultsLine = r
    ? `results: ${r.checked.shards} evaluation shards, ${r.checked.datasets} datasets, ${r.checked.checkpoints} checkpoints${r.checked.inferenceShards ? `, ${r.checked.inferenceShards} inference shards` : ''}${r.checked.curves ? `, ${r.checked.curves} evaluations' QC curves` : ''} match their recorded digests${r.unverified ? ` (${r.unverified} written before digests were recorded: not checked)` : ''}`
    : '';
  if (b?.reason === 'RESULT_MISMATCH') {
    lines.push(
      `BROKEN: ${describeTarget(b.digest!.target)} was changed after it was stored: its rows no longer give the digest audit event ${b.seq} records [RESULT_MISMATCH]`,
    );
  } else if (r?.unrecorded) {
    lines.push(
      `BROKEN: ${r.unrecorded.what}${r.unrecorded.count > 1 ? ` (and ${r.unrecorded.count - 1} more)` : ''}: result rows that no audit event records (inserted outside the platform) [UNRECORDED]`,
    );
  }
  const h = result.keptHead;
  if (h && kept) {
    const at = kept.seq !== undefined ? ` (event ${kept.seq})` : '';
    const current = result.head ? `event ${result.head.seq}` : 'an empty log';
    lines.push(
      {
        SAME: `kept head${at} is the chain's head`,
        APPENDED: `kept head found at event ${h.foundAt}; the ${h.appended} events after it were appended since`,
        REWRITTEN: `BROKEN: the kept head${at} is not in the chain, which goes on past that event: the chain was rewritten at or before event ${kept.seq} [HEAD_REWRITTEN]`,
        SHORTER: `BROKEN: the kept head${at} is not in the chain, which now ends at ${current}: events at the end were deleted, or the chain was rewritten [HEAD_MISSING]`,
        NOT_FOUND: `BROKEN: the kept head ${kept.hash} is nowhere in the chain: the chain was rewritten at or before the event it was the head of, or events at the end were deleted (keep <seq>:<hash> to tell which) [HEAD_MISSING]`,
      }[h.verdict],
    );
  }
  const status = result.ok ? 'OK' : 'NOT OK';
  lines.unshift(
    `${status}: ${chain}; head ${result.head ? `${result.head.hash} at event ${result.head.seq}` : '(empty log)'}`,
  );
  if (resultsLine) lines.splice(1, 0, resultsLine);
  if (result.head) lines.push(`keep: --head ${result.head.seq}:${result.head.hash}`);
  return lines;
}
