import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generateJsonSchemas } from '../../src/config/json-schemas.js';

const schemaDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'schema');

describe('JSON Schemas', () => {
  it('are generated from the zod schemas and committed up to date (run scripts/generate-schemas.ts)', () => {
    for (const [name, schema] of Object.entries(generateJsonSchemas())) {
      expect(JSON.parse(readFileSync(path.join(schemaDirectory, name), 'utf8'))).toEqual(schema);
    }
  });

  it('describe the gym spec fields with their defaults', () => {
    const gym = generateJsonSchemas()['gym-spec.schema.json'] as { properties: Record<string, { default?: unknown }>; required: string[] };
    expect(gym.properties.timeLimitSeconds?.default).toBe(300);
    expect(gym.properties.memoryLimitMB?.default).toBe(1024);
    expect(gym.required.sort()).toEqual(['language', 'name', 'repo', 'test', 'testFiles']);
  });
});
