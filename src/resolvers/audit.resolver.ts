/**
 * The audit log for auditors (any role may read it): keyset pages by sequence number, newest
 * first, with filters; and a verification that re-hashes the whole chain. API keys are listed for
 * admins only (name, prefix, role, dates; never the secret or its hash).
 */
import { GraphQLError } from 'graphql';
import { Arg, Args, Authorized, Ctx, Query, Resolver } from 'type-graphql';
import { verifyAuditChain } from '../db/audit';
import { auditDetailsFor, listApiKeys } from '../server/auth';
import type { ApiRole } from '../server/auth';
import { ApiKeyInfo, AuditEventConnection, AuditFilter, AuditVerification } from '../schema/audit.type';
import { PageArgs, PageInfo } from '../schema/connection';
import type { ApiContext } from './context';

function encodeSeq(seq: bigint): string {
  return Buffer.from(`audit:${seq}`, 'utf8').toString('base64url');
}

function decodeSeq(cursor: string): bigint {
  const match = /^audit:(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match)
    throw new GraphQLError('invalid cursor', { extensions: { code: 'BAD_USER_INPUT', argumentName: 'after' } });
  return BigInt(match[1]);
}

type AuditRow = {
  seq: bigint;
  at: Date;
  actor: string;
  action: string;
  entity: string;
  entityId: string | null;
  details: string;
  prevHash: string;
  hash: string;
};

const toEvent = (row: AuditRow, role: ApiRole) => ({
  ...row,
  seq: row.seq.toString(),
  details: auditDetailsFor(role, row.action, row.details),
});

@Resolver()
export class AuditResolver {
  @Query(() => AuditEventConnection, { description: 'Audit events, newest first' })
  async auditLog(
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => AuditFilter, { nullable: true }) filter: AuditFilter | undefined,
    @Ctx() ctx: ApiContext,
  ) {
    const where = {
      actor: filter?.actor,
      action: filter?.action,
      entity: filter?.entity,
      entityId: filter?.entityId,
      at: filter?.since || filter?.until ? { gte: filter.since, lt: filter.until } : undefined,
    };
    const before = page.after ? decodeSeq(page.after) : undefined;
    const [rows, totalCount] = await Promise.all([
      ctx.store.auditEvent.findMany({
        where: { ...where, ...(before !== undefined ? { seq: { lt: before } } : {}) },
        orderBy: { seq: 'desc' },
        take: page.first + 1,
      }),
      ctx.store.auditEvent.count({ where }),
    ]);
    const nodes = rows.slice(0, page.first).map((row) => toEvent(row, ctx.role));
    const pageInfo = new PageInfo();
    pageInfo.hasNextPage = rows.length > page.first;
    pageInfo.endCursor = nodes.length ? encodeSeq(rows[nodes.length - 1].seq) : null;
    return { edges: nodes.map((node, i) => ({ cursor: encodeSeq(rows[i].seq), node })), nodes, pageInfo, totalCount };
  }

  @Query(() => AuditVerification, { description: 'Re-hash the audit chain: OK, or the first edited or deleted event' })
  async auditVerification(@Ctx() ctx: ApiContext) {
    const result = await verifyAuditChain(ctx.store);
    const head = result.ok
      ? await ctx.store.auditEvent.findFirst({ orderBy: { seq: 'desc' }, select: { hash: true } })
      : null;
    return {
      ok: result.ok,
      events: result.events,
      firstBroken: result.firstBroken
        ? { seq: result.firstBroken.seq.toString(), reason: result.firstBroken.reason }
        : null,
      headHash: head?.hash ?? null,
    };
  }

  @Authorized('ADMIN')
  @Query(() => [ApiKeyInfo], { description: 'API keys (admin only): names, prefixes, roles, dates' })
  async apiKeys(@Ctx() ctx: ApiContext) {
    return listApiKeys(ctx.store);
  }
}
