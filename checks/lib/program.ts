// The learner's program as a child process: its own process group, output kept, and killed as a
// group (TERM, then KILL) on every path — killing only the top pid would orphan its workers.
import { spawn, type ChildProcess } from 'node:child_process';
import { nodeArgs } from './runtime.ts';
import { childrenOf, groupMembers } from './proc.ts';
import { sleep } from './http.ts';

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  readonly cwd: string;
  /** The file to run, relative to cwd. */
  readonly entry: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const MAX_OUTPUT = 256 * 1024;
const live = new Set<Program>();
/** Every process group this process ever started: tests prove that none has a live member left. */
export const startedGroups = new Set<number>();

const lastResorts: (() => void)[] = [];
/** Other things the harness starts (nginx, redis-server) add their own last-resort clean-up here. */
export function onKillAll(fn: () => void): void {
  lastResorts.push(fn);
}

/** Last resort on the way out (Ctrl-C, a crash of the check itself): SIGKILL every group we started. */
export function killAllNow(): void {
  for (const p of live) p.signalGroup('SIGKILL');
  live.clear();
  for (const fn of lastResorts) fn();
}
process.once('exit', killAllNow);

export function describeExit(exit: ExitInfo): string {
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

export class Program {
  readonly pid: number;
  private text = '';
  private exitInfo: ExitInfo | undefined;
  readonly exited: Promise<ExitInfo>;
  private readonly child: ChildProcess;

  constructor(opts: SpawnOptions) {
    // `node server.ts` (or `node --import tsx server.ts`, see runtime.ts) directly, never through
    // npx or the tsx binary: then the pid we hold is the learner's primary, and its workers inherit
    // process.execArgv.
    this.child = spawn(process.execPath, [...nodeArgs(opts.cwd), opts.entry], {
      cwd: opts.cwd,
      env: opts.env,
      detached: true, // a new process group (and session), so the whole tree can be signalled
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (this.child.pid === undefined) throw new Error(`could not start ${process.execPath}`);
    this.pid = this.child.pid;
    live.add(this);
    startedGroups.add(this.pid);
    const keep = (chunk: Buffer): void => {
      this.text += chunk.toString('utf8');
      if (this.text.length > MAX_OUTPUT) this.text = this.text.slice(-MAX_OUTPUT);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
  }

  /** stdout and stderr as they came, interleaved. */
  get output(): string {
    return this.text;
  }

  /**
   * What the program last said, for a ✗: when it died of an error, the error's header with the
   * source lines Node prints above it and the first stack frame; otherwise its last lines, with
   * stack frames after the first of each trace and Node's version footer dropped.
   */
  tail(lines = 10): string {
    const all = this.text.trimEnd().split('\n');
    const header = all.findLastIndex((l) => /^[A-Za-z]*Error\b/.test(l));
    if (header >= 0) {
      const around = all.slice(Math.max(0, header - 4), header + 2).filter((l) => l.trim() !== '' && !/^node:\w+:\d+$/.test(l) && !/throw er; \/\/ Unhandled/.test(l));
      while (around[0] !== undefined && /^\s*\^\s*$/.test(around[0])) around.shift(); // a caret under a line not shown
      return around.join('\n');
    }
    const kept: string[] = [];
    let inTrace = false;
    for (const line of all) {
      const frame = /^\s+at /.test(line);
      if ((frame && inTrace) || /^Node\.js v\d/.test(line)) continue;
      inTrace = frame;
      kept.push(frame ? `${line} …` : line);
    }
    const shown = kept.slice(-lines).join('\n').trim();
    return shown === '' ? '(it printed nothing)' : shown;
  }

  /** Set once the top process has exited. */
  get exit(): ExitInfo | undefined {
    return this.exitInfo;
  }

  /** Live children of the top process: the workers, for a cluster primary. */
  children(): number[] {
    return childrenOf(this.pid);
  }

  /** Every live process in the group, the top one included. */
  members(): number[] {
    return groupMembers(this.pid);
  }

  /** Wait until the output matches, or give up after `ms`; returns the match or undefined. */
  async waitForOutput(pattern: RegExp, ms: number, from = 0): Promise<RegExpMatchArray | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const match = this.text.slice(from).match(pattern);
      if (match) return match;
      if (Date.now() >= deadline) return undefined;
      await sleep(25);
    }
  }

  /** Send a signal to the top process only (as `kill PID` would). */
  signal(sig: NodeJS.Signals): void {
    try {
      process.kill(this.pid, sig);
    } catch {
      // Already gone.
    }
  }

  signalGroup(sig: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, sig);
    } catch {
      // No process left in the group.
    }
  }

  /** Wait until no live process is left in the group; true if that happened within `ms`. */
  async waitGroupGone(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (this.members().length > 0) {
      if (Date.now() >= deadline) return false;
      await sleep(25);
    }
    return true;
  }

  /** End the whole group: TERM, then KILL for whatever is still there after `graceMs`. */
  async stop(graceMs = 1000): Promise<void> {
    this.signalGroup('SIGTERM');
    if (!(await this.waitGroupGone(graceMs))) {
      this.signalGroup('SIGKILL');
      await this.waitGroupGone(3000);
    }
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
    live.delete(this);
  }
}
