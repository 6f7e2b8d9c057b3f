/** A value as the JSON Prisma stores: what JSON.stringify keeps of it (undefined fields dropped), typed as JSON. */
import type { Prisma } from './generated/client';

export function jsonObject(value: object): Prisma.InputJsonObject {
  return JSON.parse(JSON.stringify(value)) as Prisma.InputJsonObject;
}
