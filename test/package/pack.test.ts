import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnAsync } from '../support/spawn-async.js';

const REPOSITORY = path.resolve(import.meta.dirname, '..', '..');
const TSC = path.join(REPOSITORY, 'node_modules', 'typescript', 'bin', 'tsc');
const packageJson = JSON.parse(readFileSync(path.join(REPOSITORY, 'package.json'), 'utf8')) as {
  name: string;
  bin: Record<string, string>;
  exports: Record<string, { types: string; default: string }>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const scratch = mkdtempSync(path.join(tmpdir(), 'swe-mirror-pack-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Top-level folders of the package's production dependency tree (hoisted), as `npm ls --omit=dev` sees it. */
function listProductionPackages(): string[] {
  const listing = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: REPOSITORY, encoding: 'utf8' }).stdout;
  const folders = new Set<string>();
  for (const line of listing.split('\n')) {
    const relative = path.relative(path.join(REPOSITORY, 'node_modules'), line.trim());
    if (line.trim() === '' || relative.startsWith('..') || relative === '') continue;
    const [first, second] = relative.split(path.sep);
    folders.add(first!.startsWith('@') ? `${first}/${second}` : first!);
  }
  return [...folders].sort();
}

describe('the npm package', () => {
  it('packs only the built library, prompts, schemas, README and LICENSE, with every entry point present', async () => {
    const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPOSITORY, encoding: 'utf8' })) as Array<{
      files: Array<{ path: string }>;
    }>;
    const files = packed[0]!.files.map((file) => file.path);
    expect(files.filter((file) => !/^(dist|prompts|python|schema)\//.test(file) && !['LICENSE', 'README.md', 'package.json'].includes(file))).toEqual([]);
    expect(files).toContain('LICENSE');
    expect(files).toContain('schema/gym-spec.schema.json');
    expect(files.some((file) => file.startsWith('prompts/'))).toBe(true);
    const entryPoints = [...Object.values(packageJson.bin), ...Object.values(packageJson.exports).flatMap((entry) => [entry.types, entry.default])];
    for (const entry of entryPoints) expect(files).toContain(entry.replace(/^\.\//, ''));
    expect(readFileSync(path.join(REPOSITORY, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
    expect((packageJson as unknown as { license: string }).license).toBe('MIT');
  });

  it('type-checks under strict, without skipLibCheck, in a fresh consumer that has only the production dependencies', async () => {
    // A fresh build of the declarations, so the check sees the current source, not a stale dist/.
    const installed = path.join(scratch, 'consumer', 'node_modules', packageJson.name);
    mkdirSync(installed, { recursive: true });
    const build = await spawnAsync(process.execPath, [TSC, '-p', 'tsconfig.build.json', '--emitDeclarationOnly', '--declarationMap', 'false', '--outDir', path.join(installed, 'dist')], {
      cwd: REPOSITORY,
      encoding: 'utf8',
    });
    expect(existsSync(path.join(installed, 'dist', 'index.d.ts')), build.stdout).toBe(true);
    cpSync(path.join(REPOSITORY, 'package.json'), path.join(installed, 'package.json'));

    const consumer = path.join(scratch, 'consumer');
    const linked = listProductionPackages();
    for (const folder of linked) {
      mkdirSync(path.dirname(path.join(consumer, 'node_modules', folder)), { recursive: true });
      symlinkSync(path.join(REPOSITORY, 'node_modules', folder), path.join(consumer, 'node_modules', folder));
    }
    // The consumer's own choice, as in any Node.js project: Node's types.
    if (!linked.includes('@types/node')) symlinkSync(path.join(REPOSITORY, 'node_modules', '@types', 'node'), path.join(consumer, 'node_modules', '@types', 'node'));
    const devOnlyTypes = Object.keys(packageJson.devDependencies).filter((name) => name.startsWith('@types/') && name !== '@types/node');
    expect(linked.filter((folder) => devOnlyTypes.includes(folder))).toEqual([]);

    writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    writeFileSync(
      path.join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] },
        include: ['index.ts'],
      }),
    );
    writeFileSync(
      path.join(consumer, 'index.ts'),
      [
        "import { validateExport, verifyTask, exportDataset, prepareGym, runPipeline, Store, type TaskPatches, type ValidateExportResult, type Task } from 'swe-mirror';",
        "import { createScriptedModel, startScriptedOpenAiServer } from 'swe-mirror/testing';",
        "const patches: TaskPatches = { mirror: '', test: '' };",
        "const validation: Promise<ValidateExportResult> = validateExport({ tasksFile: 'out/tasks.jsonl' });",
        'const tasks: Task[] = [];',
        'export const used = [patches, validation, tasks, verifyTask, exportDataset, prepareGym, runPipeline, Store, createScriptedModel, startScriptedOpenAiServer];',
        '',
      ].join('\n'),
    );
    const check = await spawnAsync(process.execPath, [TSC, '-p', consumer], { cwd: consumer, encoding: 'utf8' });
    expect(check.stdout + check.stderr).toBe('');
    expect(check.status).toBe(0);
  }, 240_000);
});
