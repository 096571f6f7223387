import { describe, expect, it } from 'vitest';
import { gymSpecSchema } from '../../src/config/gym-spec.js';
import { buildGymEnvironment } from '../../src/gym/gym-environment.js';

describe('buildGymEnvironment overrides', () => {
  it('sets CI, NO_COLOR and FORCE_COLOR by default; the spec env wins and unsetEnv removes them', () => {
    const defaults = buildGymEnvironment('/gym/repo', '/gym/cache', {});
    expect(defaults).toMatchObject({ CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0', GOCACHE: '/gym/cache/go-build' });
    const spec = gymSpecSchema.parse({
      name: 'colours',
      language: 'javascript',
      repo: '.',
      test: { command: 'npm test', report: { format: 'tap' } },
      testFiles: ['test/**'],
      env: { CI: 'false' },
      unsetEnv: ['NO_COLOR', 'FORCE_COLOR'],
    });
    const environment = buildGymEnvironment('/gym/repo', '/gym/cache', spec.env, spec.unsetEnv);
    expect(environment.CI).toBe('false');
    expect('NO_COLOR' in environment).toBe(false);
    expect('FORCE_COLOR' in environment).toBe(false);
    expect(environment.GOCACHE).toBe('/gym/cache/go-build');
  });
});
