import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { SweMirrorError } from '../core/errors.js';
import { toJsonLines, writeFileAtomically } from '../dataset/atomic-write.js';
import { parseJsonLines } from '../sources/json-lines.js';

/** A reviewer's judgement of how faithful a task's statement is to its bug (the paper's Table 7 scale). */
export const AUDIT_LABELS = ['high', 'moderate', 'inconsistent'] as const;
export type AuditLabel = (typeof AUDIT_LABELS)[number];

export const AUDIT_SCHEMA_VERSION = 1;

/** One line of the audit side file; snake_case like tasks.jsonl, joined to it on `instance_id`. */
export const auditMarkSchema = z.object({
  schema_version: z.literal(AUDIT_SCHEMA_VERSION),
  instance_id: z.string().min(1),
  label: z.enum(AUDIT_LABELS),
  note: z.string().default(''),
  gym: z.string(),
  source_repo: z.string(),
  source_number: z.number().int(),
  marked_at: z.string(),
});
export type AuditMark = z.infer<typeof auditMarkSchema>;

/**
 * Read the audit side file: instance id → its mark. A missing file is no marks; a bad line is a
 * user error naming the line (the file is meant to be read by other tools as `--labels`).
 */
export async function readAuditMarks(file: string): Promise<Map<string, AuditMark>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw new SweMirrorError({ code: 'AUDIT_UNREADABLE', kind: 'user', message: `Cannot read the audit file ${file}.`, hint: 'Check its permissions, or pass another --audit-file.', cause });
  }
  const parsed = parseJsonLines(text);
  const problems = parsed.problems.map((problem) => `line ${problem.line}: ${problem.message}`);
  const marks = new Map<string, AuditMark>();
  for (const row of parsed.rows) {
    const mark = auditMarkSchema.safeParse(row.value);
    if (mark.success) marks.set(mark.data.instance_id, mark.data);
    else problems.push(`line ${row.line}: expected {"instance_id", "label": ${AUDIT_LABELS.map((label) => `"${label}"`).join(' | ')}, ...}`);
  }
  if (problems.length > 0) {
    throw new SweMirrorError({
      code: 'AUDIT_INVALID',
      kind: 'user',
      message: `${file} has ${problems.length} bad line(s):\n${problems.slice(0, 10).map((problem) => `  - ${problem}`).join('\n')}`,
      hint: 'Fix or remove those lines; docs/viewer.md describes the format.',
    });
  }
  return marks;
}

/** The side file's content for a set of marks: one line per task, sorted by instance id. */
export function renderAuditMarks(marks: ReadonlyMap<string, AuditMark>): string[] {
  return [...toJsonLines([...marks.values()].sort((a, b) => a.instance_id.localeCompare(b.instance_id)))];
}

/**
 * The audit side file, written only by the viewer: every change rewrites it atomically, one at a
 * time, so the file on disk is always complete and always holds the latest mark per task.
 */
export class AuditFile {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {}

  read(): Promise<Map<string, AuditMark>> {
    return readAuditMarks(this.file);
  }

  /** Set (or, with label undefined, clear) the mark of one task. */
  update(instanceId: string, mark: Omit<AuditMark, 'schema_version' | 'instance_id' | 'marked_at'> | undefined): Promise<AuditMark | undefined> {
    const next = this.queue.then(async () => {
      const marks = await readAuditMarks(this.file);
      let saved: AuditMark | undefined;
      if (mark) {
        saved = { schema_version: AUDIT_SCHEMA_VERSION, instance_id: instanceId, ...mark, marked_at: new Date().toISOString() };
        marks.set(instanceId, saved);
      } else {
        marks.delete(instanceId);
      }
      await writeFileAtomically(this.file, renderAuditMarks(marks));
      return saved;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}
