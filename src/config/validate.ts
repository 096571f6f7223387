import { z } from 'zod';
import { parseDocument } from 'yaml';
import { SweMirrorError } from '../core/errors.js';

/** Format every zod issue as `where: what`, one per line. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    return `${where}: ${issue.message}`;
  });
}

/** Parse YAML text and validate it against a schema, reporting every problem at once. */
export function parseYamlWithSchema<T extends z.ZodType>(
  text: string,
  schema: T,
  options: { source: string; code: string; what: string },
): z.infer<T> {
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new SweMirrorError({
      code: options.code,
      kind: 'user',
      message: `${options.source} is not valid YAML:\n${document.errors.map((error) => `  - ${error.message}`).join('\n')}`,
      hint: `Fix the YAML syntax of the ${options.what}.`,
    });
  }
  const result = schema.safeParse(document.toJS());
  if (!result.success) {
    const problems = formatIssues(result.error.issues);
    throw new SweMirrorError({
      code: options.code,
      kind: 'user',
      message: `${options.source} is not a valid ${options.what} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
      hint: `See docs/ for the ${options.what} fields, or the JSON Schema under schema/.`,
      details: { problems },
    });
  }
  return result.data;
}
