import fs from 'node:fs';
import { printSchema } from 'graphql';
import { buildApiSchema } from '../../src/resolvers';
import { SCHEMA_FILE } from '../../scripts/write-schema';

test('the committed schema.graphql is the schema the server builds (run `npm run schema` after changes)', async () => {
  const schema = printSchema(await buildApiSchema());
  expect(fs.readFileSync(SCHEMA_FILE, 'utf8')).toBe(`${schema}\n`);
});
