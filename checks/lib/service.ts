// A server the check runs itself (nginx, redis-server): found on this machine or explained how to
// install, run in its own process group from a temporary folder, and removed without a trace.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Fatal } from './errors.ts';
import { sleep } from './http.ts';
import { groupMembers } from './proc.ts';
import { onKillAll, startedGroups } from './program.ts';

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

const live = new Set<Service>();
// On Ctrl-C or a crash of the check, killAllNow() ends these too (they are not in our group).
onKillAll(() => {
  for (const s of live) {
    s.signalGroup('SIGKILL');
    rmSync(s.dir, { recursive: true, force: true });
  }
  live.clear();
});

export class Service {
  readonly pid: number;
  private text = '';
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly child: ChildProcess;

  constructor(bin: string, args: readonly string[], readonly dir: string) {
    this.child = spawn(bin, args, { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    if (this.child.pid === undefined) throw new Error(`could not start ${bin}`);
    this.pid = this.child.pid;
    live.add(this);
    startedGroups.add(this.pid); // the tests prove no member of it is left
    const keep = (chunk: Buffer): void => {
      this.text = (this.text + chunk.toString('utf8')).slice(-64 * 1024);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.child.on('error', (err) => keep(Buffer.from(String(err))));
    this.child.on('exit', (code, signal) => {
      this.exitInfo = { code, signal };
    });
  }

  get output(): string {
    return this.text;
  }

  get exited(): boolean {
    return this.exitInfo !== undefined;
  }

  signalGroup(sig: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, sig);
    } catch {
      // Nothing left in the group.
    }
  }

  /** TERM the group, KILL what is left after a second, wait until it is gone. */
  async stop(): Promise<void> {
    this.signalGroup('SIGTERM');
    const deadline = Date.now() + 1000;
    while (groupMembers(this.pid).length > 0 && Date.now() < deadline) await sleep(20);
    if (groupMembers(this.pid).length > 0) {
      this.signalGroup('SIGKILL');
      const last = Date.now() + 3000;
      while (groupMembers(this.pid).length > 0 && Date.now() < last) await sleep(20);
    }
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
    live.delete(this);
  }
}

/** A fresh temporary folder (readable by nginx's unprivileged workers when we run as root). */
export function tempFolder(prefix: string): { readonly dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `workshop-${prefix}-`));
  chmodSync(dir, 0o755);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Poll `ready` until it says yes, the service exits, or `ms` pass. */
export async function waitReady(service: Service, ready: () => Promise<boolean>, ms: number): Promise<'ready' | 'exited' | 'timeout'> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (service.exited) return 'exited';
    if (await ready()) return 'ready';
    if (Date.now() >= deadline) return 'timeout';
    await sleep(25);
  }
}
