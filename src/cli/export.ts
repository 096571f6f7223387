import type { Command } from 'commander';
import { SweMirrorError } from '../core/errors.js';

// Placeholder until the owning work lands; replaced, not extended.
export function register(program: Command): void {
  program.command('export').description('(not built yet)').action(() => {
    throw new SweMirrorError({ code: 'NOT_BUILT', kind: 'internal', message: 'export is not built yet.' });
  });
}
