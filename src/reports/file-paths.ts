/**
 * Turns the absolute file paths reporters print into paths relative to the working copy.
 *
 * With a root directory (ReportInput.rootDirectory) every path under it becomes relative to it;
 * paths outside it are kept as they are. Without one, the common directory of all the paths
 * seen in the report is stripped: this is stable only while the set of test files' common
 * directory does not change between runs, so the parser says so in a warning.
 */
export interface PathRelativizer {
  relativize(path: string): string;
  /** Set when no root directory was given and the common-directory fallback was used. */
  readonly fallbackWarning: string | undefined;
}

function toPlainPath(path: string): string {
  const withoutScheme = path.startsWith('file://') ? decodeURIComponent(path.slice('file://'.length)) : path;
  return withoutScheme.replace(/\\/g, '/');
}

function isAbsolute(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:\//.test(path);
}

/** True for `/abs/path`, `file:///abs/path` and `C:\\path` style paths. */
export function looksLikeAbsolutePath(path: string): boolean {
  return isAbsolute(toPlainPath(path));
}

function commonDirectory(paths: string[]): string | undefined {
  const absolutePaths = paths.filter(isAbsolute);
  const first = absolutePaths[0];
  if (first === undefined) return undefined;
  let common = first.split('/').slice(0, -1);
  for (const path of absolutePaths.slice(1)) {
    const directory = path.split('/').slice(0, -1);
    let index = 0;
    while (index < common.length && index < directory.length && common[index] === directory[index]) index += 1;
    common = common.slice(0, index);
  }
  return common.join('/');
}

/** Builds a relativizer for one report, from its root directory or the paths it contains. */
export function createPathRelativizer(paths: Iterable<string>, rootDirectory?: string): PathRelativizer {
  const plainPaths = [...paths].map(toPlainPath);
  let root: string | undefined;
  let fallbackWarning: string | undefined;
  if (rootDirectory !== undefined && rootDirectory !== '') {
    root = toPlainPath(rootDirectory).replace(/\/+$/, '');
  } else {
    root = commonDirectory(plainPaths);
    if (root !== undefined) {
      fallbackWarning = `no root directory was given; file paths were made relative to their common directory ${root || '/'} (pass rootDirectory for ids that stay stable when test files are added)`;
    }
  }
  return {
    fallbackWarning,
    relativize(path: string): string {
      const plain = toPlainPath(path);
      if (root === undefined || !isAbsolute(plain)) return plain;
      if (root === '') return plain.replace(/^\/+/, '');
      return plain.startsWith(`${root}/`) ? plain.slice(root.length + 1) : plain;
    },
  };
}
