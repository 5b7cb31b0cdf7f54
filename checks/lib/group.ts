// A process's life, in one place. Everything the workshop starts — the learner's program, nginx,
// redis-server, the bench's servers — is a Group: its own process group (so the whole tree can be
// signalled: killing only the top pid would orphan a primary's workers), its output kept, and
// stopped as a group, TERM then KILL. pm2 homes, temporary folders and compilers register with the
// one `reaper`, which ends whatever is left when this process ends, however it ends:
// - on an ordinary exit, its one `exit` hook SIGKILLs every tracked group and marked process;
// - on a death that runs no hook (SIGINT or SIGTERM with no handler, SIGKILL, a vitest worker
//   stopped by its pool), its watchdog (watchdog.sh, started with the first tracked process)
//   sees its pipe from us close and does the same: TERM, KILL a second later, folders removed.
// Every process started from here carries this process's run marker in its environment (also
// through pm2, whose daemon detaches from every group), so the watchdog finds it wherever it went.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sleep } from './http.ts';
import { childrenOf, groupMembers, listProcesses, procStat } from './proc.ts';
import { currentTimeline, type Timeline } from './timeline.ts';

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export function describeExit(exit: ExitInfo): string {
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

export interface GroupOptions {
  readonly cwd?: string;
  /** The whole environment (the run marker is added); default: this process's. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** How much output to keep (the last bytes); default 256 KiB. */
  readonly maxOutput?: number;
}

const hasEnviron = (() => {
  try {
    readFileSync('/proc/self/environ');
    return true;
  } catch {
    return false;
  }
})();

/**
 * Live processes (not zombies, not this one) whose environment holds one of `markers`
 * (`KEY=VALUE`). Linux only: elsewhere the environment of another process is not readable, and
 * this returns [].
 */
export function processesCarrying(markers: Iterable<string>): number[] {
  const wanted = [...markers].map((m) => `\0${m}\0`);
  if (!hasEnviron || wanted.length === 0) return [];
  const found: number[] = [];
  for (const p of listProcesses()) {
    if (p.state === 'Z' || p.pid === process.pid) continue;
    try {
      const env = `\0${readFileSync(`/proc/${p.pid}/environ`, 'latin1')}\0`;
      if (wanted.some((m) => env.includes(m))) found.push(p.pid);
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

/** Send a signal; false if there was nobody to get it. */
function kill(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false; // Already gone.
  }
}

/**
 * `process.kill(pid, sig)` for checks: the same (it throws when there is no such process), and the
 * signal is on the check's timeline. A negative pid signals that process group.
 */
export function sendSignal(pid: number, sig: NodeJS.Signals): void {
  process.kill(pid, sig);
  currentTimeline()?.add({ kind: 'signal', pid: Math.abs(pid), signal: sig, ...(pid < 0 ? { group: true } : {}) });
}

/** The one owner of "nothing we started outlives us". */
class Reaper {
  /** `NAME=1` in the environment of everything this process starts, and of their descendants. */
  readonly marker: string;
  private readonly name: string;
  private readonly groups = new Set<number>();
  private readonly markers = new Set<string>();
  private readonly dirs = new Set<string>();
  private readonly hooks = new Set<() => void>();
  /** Every group ever tracked, with its leader's start time (where /proc has one). */
  private readonly everyGroup = new Map<number, string | undefined>();
  private readonly everyMarker = new Set<string>();
  private dog: ChildProcess | undefined;

  constructor() {
    this.name = `WORKSHOP_RUN_${process.pid}_${randomBytes(4).toString('hex')}`;
    this.marker = `${this.name}=1`;
    // Whatever this process starts inherits it: tsc, pm2, Chromium, a command a test runs.
    process.env[this.name] = '1';
  }

  /** The run marker as an environment entry, for a spawn that builds its own environment. */
  get env(): Readonly<Record<string, string>> {
    return { [this.name]: '1' };
  }

  /** Start the watchdog now (it starts by itself with the first tracked group, marker or folder). */
  watch(): void {
    if (this.dog) return;
    const file = fileURLToPath(new URL('./watchdog.sh', import.meta.url));
    // Its own session: Ctrl-C and a terminal's hang-up do not reach it. A clean environment: no
    // other harness's watchdog counts it as one of its processes.
    const dog = spawn('/bin/sh', [file, this.name], { detached: true, stdio: ['pipe', 'ignore', 'ignore'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    dog.on('error', () => {}); // no watchdog: the exit hook still does its part
    dog.stdin?.on('error', () => {});
    dog.unref();
    (dog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    this.dog = dog;
    for (const g of this.groups) this.tell(`+g ${g}`);
    for (const m of this.markers) this.tell(`+m ${m}`);
    for (const d of this.dirs) this.tell(`+d ${d}`);
  }

  private tell(line: string): void {
    if (!this.dog) return this.watch();
    this.dog.stdin?.write(`${line}\n`);
  }

  trackGroup(pgid: number): void {
    this.groups.add(pgid);
    if (!this.everyGroup.has(pgid)) this.everyGroup.set(pgid, procStat(pgid)?.start);
    this.tell(`+g ${pgid}`);
  }

  untrackGroup(pgid: number): void {
    if (this.groups.delete(pgid)) this.tell(`-g ${pgid}`);
  }

  /** Every live process whose environment holds `marker` (`KEY=VALUE`) is ours, e.g. PM2_HOME=…. */
  trackMarker(marker: string): void {
    this.markers.add(marker);
    this.everyMarker.add(marker);
    this.tell(`+m ${marker}`);
  }

  untrackMarker(marker: string): void {
    if (this.markers.delete(marker)) this.tell(`-m ${marker}`);
  }

  /** A temporary folder to remove if we end before its owner does. */
  trackDir(dir: string): void {
    this.dirs.add(dir);
    this.tell(`+d ${dir}`);
  }

  untrackDir(dir: string): void {
    if (this.dirs.delete(dir)) this.tell(`-d ${dir}`);
  }

  /** A synchronous last-resort clean-up of one's own (a compiler to kill); returns its removal. */
  onExit(fn: () => void): () => void {
    this.hooks.add(fn);
    return () => this.hooks.delete(fn);
  }

  /**
   * Last resort, synchronous: SIGKILL every tracked group and every process with a tracked marker,
   * run the registered hooks, remove the tracked folders. For the commands' signal handling and
   * this process's `exit`.
   */
  killAllNow(): void {
    for (const fn of this.hooks) fn();
    for (const g of this.groups) kill(-g, 'SIGKILL');
    for (const pid of processesCarrying(this.markers)) kill(pid, 'SIGKILL');
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true });
    for (const g of this.groups) this.untrackGroup(g);
    for (const m of this.markers) this.untrackMarker(m);
    for (const d of this.dirs) this.untrackDir(d);
  }

  /** Every process group this process started (the test of the bench counts its servers). */
  started(): number[] {
    return [...this.everyGroup.keys()];
  }

  /**
   * Live processes this process ever started that are still running: members of every group it
   * tracked, and carriers of every marker it tracked. After a check, a test expects none.
   */
  survivors(): number[] {
    // A long test run wraps around pid_max (32768 here), and another run beside it starts groups
    // too: a pid that led one of our groups may since lead someone else's. While our leader lives
    // (its start time unchanged) its group is ours. Once it is gone, its group id may be another
    // run's whose leader left first (a primary that exits before its workers), so only members
    // that carry our run marker are ours: the rehearsal beside count chains once blamed a check
    // for two workers of a chain's program.
    const carrying = new Set(processesCarrying([this.marker]));
    const pids = [...this.everyGroup].flatMap(([g, start]) => {
      const now = procStat(g);
      if (now !== undefined && start !== undefined && now.start === start) return groupMembers(g);
      const members = groupMembers(g);
      return hasEnviron ? members.filter((pid) => carrying.has(pid)) : members;
    });
    return [...new Set([...pids, ...processesCarrying(this.everyMarker)])].sort((a, b) => a - b);
  }
}

export const reaper = new Reaper();
process.once('exit', () => reaper.killAllNow());

/** See Reaper.killAllNow. */
export function killAllNow(): void {
  reaper.killAllNow();
}

/** See Reaper.survivors. */
export function survivors(): number[] {
  return reaper.survivors();
}

/**
 * A program in its own process group (and session), its stdout and stderr kept interleaved,
 * tracked by the reaper until stop() has seen the whole group gone.
 */
export class Group {
  readonly pid: number;
  readonly exited: Promise<ExitInfo>;
  private text = '';
  private exitInfo: ExitInfo | undefined;
  private readonly child: ChildProcess;
  /** The check run whose timeline records this group's signals (a learner's program; not a service). */
  protected timeline: Timeline | undefined;

  constructor(command: string, args: readonly string[], opts: GroupOptions = {}) {
    const max = opts.maxOutput ?? 256 * 1024;
    this.child = spawn(command, args, {
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
      env: { ...(opts.env ?? process.env), ...reaper.env },
      detached: true, // a new process group (and session), so the whole tree can be signalled
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (this.child.pid === undefined) throw new Error(`could not start ${command}`);
    this.pid = this.child.pid;
    reaper.trackGroup(this.pid);
    const keep = (chunk: Buffer): void => {
      this.text += chunk.toString('utf8');
      if (this.text.length > max) this.text = this.text.slice(-max);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.child.on('error', (err) => keep(Buffer.from(String(err))));
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
   * What the process last said, for a ✗: when it died of an error, the error's header with the
   * source lines Node prints above it and the first stack frame; otherwise its last lines, with
   * stack frames after the first of each trace and Node's version footer dropped.
   */
  tail(lines = 10): string {
    const all = this.output.trimEnd().split('\n');
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

  /** Wait until the output matches, or give up after `ms`; returns the match or undefined. */
  async waitForOutput(pattern: RegExp, ms: number, from = 0): Promise<RegExpMatchArray | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const match = this.output.slice(from).match(pattern);
      if (match) return match;
      if (Date.now() >= deadline) return undefined;
      await sleep(25);
    }
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

  /** Send a signal to the top process only (as `kill PID` would). */
  signal(sig: NodeJS.Signals): void {
    if (kill(this.pid, sig)) this.timeline?.add({ kind: 'signal', pid: this.pid, signal: sig });
  }

  signalGroup(sig: NodeJS.Signals): void {
    this.sendGroup(sig, false);
  }

  private sendGroup(sig: NodeJS.Signals, cleanup: boolean): void {
    // A clean-up of a group with only zombies left (orphans nobody reaps) is no signal to show.
    const shown = this.timeline !== undefined && (!cleanup || this.members().length > 0);
    if (kill(-this.pid, sig) && shown) this.timeline?.add({ kind: 'signal', pid: this.pid, signal: sig, group: true, ...(cleanup ? { cleanup } : {}) });
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
    this.sendGroup('SIGTERM', true);
    let gone = await this.waitGroupGone(graceMs);
    if (!gone) {
      this.sendGroup('SIGKILL', true);
      gone = await this.waitGroupGone(3000);
    }
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
    if (gone) reaper.untrackGroup(this.pid); // else the exit hook and the watchdog try again
  }
}
