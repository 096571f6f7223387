import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import picomatch from 'picomatch';
import type { LoadedGymSpec } from '../config/load-gym-spec.js';
import { runGitRaw } from '../core/git.js';

/** What the keyword step and the LLM filter know about the target gym. */
export interface GymContext {
  name: string;
  language: string;
  /** README text, empty when the gym repository is remote or has none. */
  readme: string;
  /** Test file paths relative to the repository, sorted. */
  testFiles: string[];
  /** The gym's repository URL: the spec's remote URL, or the `origin` remote of a local clone ('' when none). */
  repositoryUrl: string;
}

const SKIPPED_DIRECTORIES = new Set(['.git', 'node_modules', '.venv', 'venv', 'target', 'dist', 'build', '__pycache__', '.tox', 'vendor']);

async function listFiles(root: string, limit: number): Promise<string[]> {
  const files: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    if (files.length >= limit) return;
    const entries = await readdir(path.join(root, relative), { withFileTypes: true }).catch(() => []);
    entries.sort((left, right) => left.name.localeCompare(right.name));
    for (const entry of entries) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRECTORIES.has(entry.name)) await walk(child);
      } else if (entry.isFile()) {
        files.push(child);
        if (files.length >= limit) return;
      }
    }
  };
  await walk('');
  return files;
}

/** Read the gym's README (README.md, README.rst, README, ... at the repository root). */
export async function readGymReadme(repositoryDirectory: string): Promise<string> {
  const entries = await readdir(repositoryDirectory).catch(() => [] as string[]);
  const readme = entries.filter((name) => /^readme(\.[a-z]+)?$/i.test(name)).sort((left, right) => Number(right.toLowerCase().endsWith('.md')) - Number(left.toLowerCase().endsWith('.md')))[0];
  if (!readme) return '';
  return readFile(path.join(repositoryDirectory, readme), 'utf8').catch(() => '');
}

/** Build the gym context from a loaded spec: README and test file names from the local repository. */
export async function readGymContext(gym: LoadedGymSpec): Promise<GymContext> {
  const context: GymContext = { name: gym.spec.name, language: gym.spec.language, readme: '', testFiles: [], repositoryUrl: gym.isRemote ? gym.spec.repo : '' };
  if (gym.isRemote) return context;
  context.readme = await readGymReadme(gym.repoLocation);
  context.repositoryUrl = await runGitRaw(gym.repoLocation, ['remote', 'get-url', 'origin']).then(
    (result) => (result.exitCode === 0 ? result.stdout.trim() : ''),
    () => '',
  );
  const isTestFile = picomatch(gym.spec.testFiles, { dot: true });
  context.testFiles = (await listFiles(gym.repoLocation, 20_000)).filter((file) => isTestFile(file));
  return context;
}

/** Cut text to at most `limit` characters at a line boundary, saying how much was left out. */
export function truncateText(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const cut = text.lastIndexOf('\n', limit);
  const kept = text.slice(0, cut > limit / 2 ? cut : limit);
  return `${kept}\n[... ${text.length - kept.length} more characters left out]`;
}

/** Summarize test file names for a prompt: up to `limit` names, then a count. */
export function summarizeTestFiles(testFiles: readonly string[], limit = 60): string {
  if (testFiles.length === 0) return '(no test files found)';
  const shown = testFiles.slice(0, limit).map((file) => `- ${file}`);
  if (testFiles.length > limit) shown.push(`- ... and ${testFiles.length - limit} more`);
  return shown.join('\n');
}
