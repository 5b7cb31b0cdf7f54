// The name of a process's program (`node`, `esbuild`, …): tsx's esbuild service is a child of the
// learner's primary too, and must not be counted as a worker.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

export function commandName(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    // No /proc (macOS): ask ps; it prints the program's path.
  }
  try {
    const out = execFileSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return out === '' ? undefined : basename(out);
  } catch {
    return undefined;
  }
}

/** Helper processes the toolchain starts on its own, never the learner's workers. */
export function isToolchainHelper(pid: number): boolean {
  return commandName(pid) === 'esbuild';
}
