/**
 * The Prisma pg driver adapter, with a fix for catalog column types it cannot map.
 *
 * @prisma/adapter-pg 6.19 throws "Column type 'name' could not be deserialized" when the schema
 * engine reads the catalog (`name`, OID 19, and `"char"`, OID 18), so `prisma migrate deploy`
 * fails through it (upstream prisma/orm#27403). We report `name` as text and `"char"` as a
 * Character column on every queryable, transactions included. Remove once upstream maps them.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import pg, { type PoolConfig } from 'pg';
import { ColumnTypeEnum } from '@prisma/driver-adapter-utils';
import type { SqlQuery, SqlResultSet } from '@prisma/driver-adapter-utils';

const PG_NAME_OID = 19;
const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

interface PgField {
  dataTypeID: number;
}
interface Patchable {
  performIO(query: SqlQuery): Promise<{ fields: PgField[] }>;
  queryRaw(query: SqlQuery): Promise<SqlResultSet>;
  startTransaction?: (...args: unknown[]) => Promise<unknown>;
}

function patchQueryable<T>(queryable: T): T {
  const target = queryable as unknown as Patchable;
  const performIO = target.performIO.bind(target);
  const queryRaw = target.queryRaw.bind(target);
  let charColumns: number[] = [];
  target.performIO = async (query) => {
    const result = await performIO(query);
    charColumns = [];
    result.fields.forEach((field, index) => {
      if (field.dataTypeID === PG_NAME_OID) field.dataTypeID = PG_TEXT_OID;
      if (field.dataTypeID === PG_CHAR_OID) {
        field.dataTypeID = PG_TEXT_OID;
        charColumns.push(index);
      }
    });
    return result;
  };
  target.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const index of charColumns) result.columnTypes[index] = ColumnTypeEnum.Character;
    return result;
  };
  if (target.startTransaction) {
    const startTransaction = target.startTransaction.bind(target);
    target.startTransaction = async (...args) => patchQueryable(await startTransaction(...args));
  }
  return queryable;
}

class CatalogSafePrismaPg extends PrismaPg {
  override async connect() {
    return patchQueryable(await super.connect());
  }
  override async connectToShadowDb() {
    return patchQueryable(await super.connectToShadowDb());
  }
}

/** Over a pool of its own, or over the given pool (which the client's $disconnect then ends). */
export function createPgAdapter(
  connection: string | pg.Pool,
  pool: Omit<PoolConfig, 'connectionString'> = {},
): PrismaPg {
  if (connection instanceof pg.Pool) return new CatalogSafePrismaPg(connection, { disposeExternalPool: true });
  return new CatalogSafePrismaPg({ connectionString: connection, ...pool });
}
