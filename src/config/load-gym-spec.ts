import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SweMirrorError } from '../core/errors.js';
import { isGitBundleFile } from '../core/git-bundle.js';
import { gymSpecSchema, type GymSpec } from './gym-spec.js';
import { parseYamlWithSchema } from './validate.js';

export interface LoadedGymSpec {
  spec: GymSpec;
  /** Absolute path of the spec file. */
  specPath: string;
  /** The spec's repo, resolved to an absolute path when it is local. */
  repoLocation: string;
  isRemote: boolean;
  /** Raw text, for content-keyed caching. */
  text: string;
}

const REMOTE_REPO = /^(https?:\/\/|git@|ssh:\/\/|git:\/\/|file:\/\/)/;

/** Load and validate a gym spec file, reporting every problem at once. */
export async function loadGymSpec(specPath: string): Promise<LoadedGymSpec> {
  const absolute = path.resolve(specPath);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (cause) {
    throw new SweMirrorError({
      code: 'GYM_SPEC_NOT_FOUND',
      kind: 'user',
      message: `Cannot read gym spec ${specPath}.`,
      hint: 'Pass the path of a gym YAML file, e.g. --gym test/fixtures/gyms/js-jest/gym.yaml.',
      cause,
    });
  }
  const spec = parseYamlWithSchema(text, gymSpecSchema, { source: specPath, code: 'GYM_SPEC_INVALID', what: 'gym spec' });
  const isRemote = REMOTE_REPO.test(spec.repo);
  const repoLocation = isRemote ? spec.repo : path.resolve(path.dirname(absolute), spec.repo);
  const found = isRemote ? undefined : statSync(repoLocation, { throwIfNoEntry: false });
  // A local repo is a directory (a git repository or a plain one) or a git bundle file, as exports write.
  if (!isRemote && !(found?.isDirectory() || (found?.isFile() && isGitBundleFile(repoLocation)))) {
    throw new SweMirrorError({
      code: 'GYM_REPO_NOT_FOUND',
      kind: 'user',
      message: `The gym ${spec.name}'s repo ${spec.repo} (${repoLocation}) ${found ? 'is neither a directory nor a git bundle' : 'does not exist'}.`,
      hint: `Set \`repo:\` in ${specPath} to a git URL, a local directory or a git bundle, relative to the spec file.`,
    });
  }
  return { spec, specPath: absolute, repoLocation, isRemote, text };
}
