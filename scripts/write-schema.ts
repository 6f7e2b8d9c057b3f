/** Writes the GraphQL schema to schema.graphql (committed; a test checks it is current). */
import fs from 'node:fs';
import path from 'node:path';
import { printSchema } from 'graphql';
import { buildApiSchema } from '../src/resolvers';

export const SCHEMA_FILE = path.resolve(__dirname, '../schema.graphql');

if (require.main === module) {
  buildApiSchema().then((schema) => {
    fs.writeFileSync(SCHEMA_FILE, `${printSchema(schema)}\n`);
    console.log(`wrote ${SCHEMA_FILE}`);
  });
}
