/**
 * Keyset pagination over Prisma models: order by the model's natural order plus `id`, fetch one
 * extra row to know whether a next page exists. Cursors are the base64url of the last id.
 */
import { GraphQLError } from 'graphql';
import type { ConnectionShape } from '../schema/connection';
import { PageInfo } from '../schema/connection';
import type { PageArgs } from '../schema/connection';

import { isUuid } from '../db/ids';

export { isUuid };

export function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!isUuid(id))
    throw new GraphQLError('invalid cursor', { extensions: { code: 'BAD_USER_INPUT', argumentName: 'after' } });
  return id;
}

/** The rows after the cursor, in the list's order with `id` as the final tie-break. */
export interface Window {
  cursor?: { id: string };
  skip?: number;
  take: number;
}

export interface PageSource<T> {
  fetch(window: Window): Promise<T[]>;
  count(): Promise<number>;
  /** Whether the list (with its filter) contains this id: a cursor from elsewhere is an error. */
  contains(id: string): Promise<boolean>;
}

export async function paginate<T extends { id: string }>(
  source: PageSource<T>,
  page: PageArgs,
): Promise<ConnectionShape<T>> {
  const afterId = page.after ? decodeCursor(page.after) : undefined;
  if (afterId && !(await source.contains(afterId))) {
    throw new GraphQLError('cursor does not belong to this list', {
      extensions: { code: 'BAD_USER_INPUT', argumentName: 'after' },
    });
  }
  const [rows, totalCount] = await Promise.all([
    source.fetch({ ...(afterId ? { cursor: { id: afterId }, skip: 1 } : {}), take: page.first + 1 }),
    source.count(),
  ]);
  const nodes = rows.slice(0, page.first);
  const pageInfo = new PageInfo();
  pageInfo.hasNextPage = rows.length > page.first;
  pageInfo.endCursor = nodes.length ? encodeCursor(nodes[nodes.length - 1].id) : null;
  return { edges: nodes.map((node) => ({ cursor: encodeCursor(node.id), node })), nodes, pageInfo, totalCount };
}
