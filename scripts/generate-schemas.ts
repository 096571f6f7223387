// Writes schema/*.json from the zod schemas: `node --import tsx scripts/generate-schemas.ts`.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateJsonSchemas } from '../src/config/json-schemas.js';

const directory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'schema');
for (const [name, schema] of Object.entries(generateJsonSchemas())) {
  writeFileSync(path.join(directory, name), `${JSON.stringify(schema, null, 2)}\n`);
  process.stdout.write(`wrote schema/${name}\n`);
}
