// A server the check runs itself (nginx, redis-server): found on this machine or explained how to
// install, run as a Group (group.ts) from a temporary folder the reaper knows, and removed
// without a trace.
import { accessSync, chmodSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Fatal } from './errors.ts';
import { Group, reaper } from './group.ts';
import { sleep } from './http.ts';

/** How to install a missing program, one line per system. */
export interface InstallHelp {
  readonly debian: string;
  readonly mac: string;
}

// Debian puts nginx in /usr/sbin, which is not on an ordinary user's PATH; Homebrew uses these two.
const extraDirs = ['/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/opt/homebrew/bin', '/opt/homebrew/sbin'];

/** The program's full path, or a Fatal that says how to install it. */
export function findBinary(name: string, help: InstallHelp): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...extraDirs];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  throw new Fatal(
    `${name} is not installed on this machine (looked on PATH and in ${extraDirs.join(', ')})`,
    '',
    `Install it, then run the check again.\n  Debian/Ubuntu: ${help.debian}\n  macOS (Homebrew): ${help.mac}`,
  );
}

/** A Group running `bin` from `dir`; stop() ends the whole group (TERM, then KILL after a second). */
export class Service extends Group {
  constructor(bin: string, args: readonly string[], readonly dir: string) {
    super(bin, args, { cwd: dir, maxOutput: 64 * 1024 });
  }
}

/** A fresh temporary folder (readable by nginx's unprivileged workers when we run as root). */
export function tempFolder(prefix: string): { readonly dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `workshop-${prefix}-`));
  reaper.trackDir(dir); // removed even if this process ends before its owner does
  chmodSync(dir, 0o755);
  return {
    dir,
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
      reaper.untrackDir(dir);
    },
  };
}

/** Poll `ready` until it says yes, the service exits, or `ms` pass. */
export async function waitReady(service: Service, ready: () => Promise<boolean>, ms: number): Promise<'ready' | 'exited' | 'timeout'> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (service.exit) return 'exited';
    if (await ready()) return 'ready';
    if (Date.now() >= deadline) return 'timeout';
    await sleep(25);
  }
}
