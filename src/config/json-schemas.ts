import { z } from 'zod';
import { gymSpecSchema } from './gym-spec.js';
import { runConfigSchema } from './run-config.js';

/** JSON Schemas generated from the zod schemas, for editors and other tools. */
export function generateJsonSchemas(): Record<string, unknown> {
  return {
    'gym-spec.schema.json': { title: 'swe-mirror gym spec', ...z.toJSONSchema(gymSpecSchema, { io: 'input', unrepresentable: 'any' }) },
    'run-config.schema.json': { title: 'swe-mirror run config', ...z.toJSONSchema(runConfigSchema, { io: 'input', unrepresentable: 'any' }) },
  };
}
