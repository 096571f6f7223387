/** What a changed file is, for the rule filter. */
export type FileKind = 'code' | 'test' | 'docs' | 'ci' | 'lock' | 'other';

/** Source-file extensions of the languages swe-mirror knows, mapped to the language. */
export const CODE_EXTENSIONS: Readonly<Record<string, string>> = {
  '.py': 'python',
  '.pyi': 'python',
  '.js': 'javascript',
  '.jsx': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.vue': 'javascript',
  '.svelte': 'javascript',
  '.ts': 'typescript',
  '.tsx': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.go': 'go',
  '.rs': 'rust',
  '.java': 'java',
  '.kt': 'kotlin',
  '.scala': 'scala',
  '.c': 'c',
  '.h': 'c',
  '.cc': 'cpp',
  '.cpp': 'cpp',
  '.cxx': 'cpp',
  '.hpp': 'cpp',
  '.cs': 'csharp',
  '.rb': 'ruby',
  '.php': 'php',
  '.swift': 'swift',
};

const LOCK_FILES = new Set([
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lockb',
  'cargo.lock',
  'go.sum',
  'poetry.lock',
  'pipfile.lock',
  'uv.lock',
  'pdm.lock',
  'composer.lock',
  'gemfile.lock',
]);

const DOC_EXTENSIONS = new Set(['.md', '.mdx', '.rst', '.txt', '.adoc', '.asciidoc']);
const DOC_NAMES = /^(readme|changelog|changes|history|license|licence|authors|contributors|contributing|code_of_conduct|security|notice)(\.|$)/i;
const CI_PATHS = /^(\.github\/|\.gitlab-ci\.yml$|\.gitlab\/|\.circleci\/|\.travis\.yml$|appveyor\.yml$|azure-pipelines\.yml$|\.buildkite\/|jenkinsfile$|\.drone\.yml$|\.pre-commit-config\.yaml$|codecov\.yml$|\.codecov\.yml$)/i;
const TEST_PATHS =
  /(^|\/)(tests?|__tests__|spec|specs|testing|testdata|fixtures)\/|(^|\/)test_[^/]*\.py$|_test\.(py|go)$|\.(test|spec)\.[cm]?[jt]sx?$|(^|\/)conftest\.py$/i;

function extensionOf(filePath: string): string {
  const base = filePath.slice(filePath.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot).toLowerCase();
}

/** The language of a source file by extension, or undefined when it is not a known language. */
export function languageOfFile(filePath: string): string | undefined {
  return CODE_EXTENSIONS[extensionOf(filePath)];
}

/** Classify a changed path: lock file, CI config, docs, test, code of a known language, or other. */
export function classifyFile(filePath: string): FileKind {
  const base = filePath.slice(filePath.lastIndexOf('/') + 1).toLowerCase();
  if (LOCK_FILES.has(base)) return 'lock';
  if (CI_PATHS.test(filePath)) return 'ci';
  const extension = extensionOf(filePath);
  if (DOC_EXTENSIONS.has(extension) || DOC_NAMES.test(base) || /(^|\/)docs?\//i.test(filePath)) {
    return languageOfFile(filePath) && !/(^|\/)docs?\//i.test(filePath) ? 'code' : 'docs';
  }
  if (TEST_PATHS.test(filePath)) return 'test';
  return languageOfFile(filePath) ? 'code' : 'other';
}
