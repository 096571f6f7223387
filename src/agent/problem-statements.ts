import { readFile } from 'node:fs/promises';

/** The problem_statement of every record in tasks.jsonl, by instance id (readExportedTasks reads only what re-verification needs). */
export async function readProblemStatements(tasksFile: string): Promise<Map<string, string>> {
  const statements = new Map<string, string>();
  for (const line of (await readFile(tasksFile, 'utf8')).split('\n')) {
    if (line.trim() === '') continue;
    try {
      const record = JSON.parse(line) as { instance_id?: unknown; problem_statement?: unknown };
      if (typeof record.instance_id === 'string' && typeof record.problem_statement === 'string' && !statements.has(record.instance_id)) {
        statements.set(record.instance_id, record.problem_statement);
      }
    } catch {
      // readExportedTasks reports unreadable lines.
    }
  }
  return statements;
}
