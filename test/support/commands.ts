import { execFileSync } from 'node:child_process';

/** Whether a command is on PATH here (slow tests skip, saying so, when their toolchain is missing). */
export function hasCommand(command: string): boolean {
  try {
    execFileSync('bash', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
