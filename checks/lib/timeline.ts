// The timeline of one check run (issue #15): what the check sent and what the learner's processes
// did, moment by moment, for the terminal chart and the web page. One Timeline per run, found
// through an AsyncLocalStorage, so the parallel requests of a check (and two checks running at
// once in one test process) land in the right run. Recording is an array push: requests, signals
// and expectations are recorded where they happen; the learner's process tree is read from /proc
// every 100 ms while a program runs (a few small reads per live process), and not at all otherwise.
import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandName } from './command-name.ts';
import { hasChildrenFile, hasProcFs, listProcesses, mainThreadChildren, procStat } from './proc.ts';
import type { TimelineEvent } from './types.ts';

/** An event as recorded, before the timeline stamps it with its time and running expectation. */
export type TimelineEntry = TimelineEvent extends infer E ? (E extends unknown ? Omit<E, 'atMs' | 'expectation'> : never) : never;

/** What the timeline needs of a started program (a Group), without importing group.ts. */
export interface Watched {
  readonly pid: number;
  /** The PORT it was given, if any. */
  readonly port?: number | undefined;
  readonly exit: { readonly code: number | null; readonly signal: string | null } | undefined;
  readonly exited: Promise<{ readonly code: number | null; readonly signal: string | null }>;
}

/** How often the process tree is read while a program runs. `ps` elsewhere costs more: less often. */
const POLL_MS = hasChildrenFile ? 100 : 500;

/**
 * Every request is recorded up to this many (the measured checks send 500–700: lesson 04's and 07's
 * request loops included). Past it — a future check with a heavy load loop — failures are still all
 * recorded, while successful answers of one pid, status and path are recorded once per FOLD_MS, the
 * recorded one carrying `count`: the answers it stands for since the last recorded one (itself
 * included). Answers folded after a line's last recorded one (at most FOLD_MS of them) are dropped.
 */
const FULL_REQUESTS = 5000;
const FOLD_MS = 100;

/** A learner's process being followed: which tree it is in, and its start time (pids are reused). */
interface Tracked {
  readonly tree: number;
  readonly start: string;
}

const storage = new AsyncLocalStorage<Timeline>();

/** The timeline of the check run this code runs for, if any. */
export function currentTimeline(): Timeline | undefined {
  return storage.getStore();
}

/** Run `fn` (and everything it starts) as part of `timeline`'s check run. */
export function withTimeline<T>(timeline: Timeline, fn: () => T): T {
  return storage.run(timeline, fn);
}

export class Timeline {
  readonly events: TimelineEvent[] = [];
  /** Expectations started and not yet finished, the latest last. */
  private readonly running: string[] = [];
  private readonly programs = new Map<number, Watched>();
  private readonly pm2Homes = new Set<string>();
  private readonly tracked = new Map<number, Tracked>();
  /** `pid:start` of processes seen and done with (ended, or a toolchain helper): never again. */
  private readonly done = new Set<string>();
  /** Answering pids the tree was read for at once (see request()). */
  private readonly asked = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  /** Set once the check's body is over: signals sent from then on are its clean-up. */
  cleaningUp = false;
  private requests = 0;
  /** Past FULL_REQUESTS: per pid, status and path, answers folded since that line's last recorded one. */
  private readonly folds = new Map<string, { since: number; count: number }>();
  private stopped = false;

  constructor(
    private readonly started: number = performance.now(),
    private readonly onEvent?: (e: TimelineEvent) => void,
  ) {}

  /** Record an event now. Everything is stamped when it happens, so the list stays in order. */
  add(entry: TimelineEntry): void {
    if (this.stopped) return; // a timed-out check's body may still run: its result is out already
    const expectation = entry.kind === 'expectation' ? undefined : this.running.at(-1); // an expectation event names itself
    if (entry.kind === 'signal' && this.cleaningUp && !entry.cleanup) entry = { ...entry, cleanup: true };
    const event = { atMs: Math.max(0, Math.round(performance.now() - this.started)), ...(expectation === undefined ? {} : { expectation }), ...entry } as TimelineEvent;
    this.events.push(event);
    if (this.onEvent) {
      try {
        this.onEvent(event);
      } catch {
        // A view's trouble is not the check's.
      }
    }
  }

  expectationStarted(name: string, about?: readonly number[]): void {
    this.running.push(name);
    this.add({ kind: 'expectation', name, ...(about ? { about } : {}) });
  }

  expectationEnded(name: string, ok: boolean): void {
    // A ✗ may name a process the check has just seen (lesson 04's worker forked after SIGTERM) that
    // the next poll, up to POLL_MS later, would record after this end: its chart would miss it.
    if (!ok && !this.stopped && (this.programs.size > 0 || this.pm2Homes.size > 0)) this.poll();
    this.add({ kind: 'expectation', name, ok });
    this.leave(name);
  }

  /** An expectation left without a verdict (the check stopped inside it): no longer running. */
  leave(name: string): void {
    const i = this.running.lastIndexOf(name);
    if (i >= 0) this.running.splice(i, 1);
  }

  /** Past the check's end (timeout, cancel): no expectation is running any more. */
  clearRunning(): void {
    this.running.length = 0;
  }

  /**
   * A request ended (answered or failed). A pid never seen before makes the tree be read first, so a
   * worker's spawn comes before its answer. Past FULL_REQUESTS events, like answers are folded (see FOLD_MS).
   */
  request(entry: Extract<TimelineEntry, { kind: 'request' }>): void {
    if (this.stopped) return;
    const pid = entry.pid;
    if (pid !== undefined && !this.programs.has(pid) && !this.tracked.has(pid) && !this.asked.has(pid)) {
      this.asked.add(pid);
      if (this.programs.size > 0 || this.pm2Homes.size > 0) this.poll();
    }
    if (++this.requests > FULL_REQUESTS && entry.failure === undefined) {
      const key = `${entry.port} ${entry.pid} ${entry.status} ${entry.method ?? 'GET'} ${entry.path}`;
      const now = performance.now();
      const fold = this.folds.get(key);
      if (fold && now - fold.since < FOLD_MS) {
        fold.count++;
        return;
      }
      this.folds.set(key, { since: now, count: 1 });
      if (fold && fold.count > 1) return this.add({ ...entry, count: fold.count });
    }
    this.add(entry);
  }

  /** A started program: its spawn now, its exit (with code or signal) when Node reports it, its children by polling. */
  watchProgram(program: Watched): void {
    if (this.stopped) return;
    this.programs.set(program.pid, program);
    const command = commandLine(program.pid);
    this.add({ kind: 'spawn', pid: program.pid, ppid: process.pid, role: 'program', tree: program.pid, ...(command ? { command } : {}), ...(program.port === undefined ? {} : { port: program.port }) });
    void program.exited.then((exit) => {
      this.add({ kind: 'exit', pid: program.pid, tree: program.pid, code: exit.code, signal: exit.signal });
      // Its children may have gone with it: look now rather than up to POLL_MS later.
      if (!this.stopped) this.poll();
    });
    this.startPolling();
  }

  /** A pm2 home: the daemon's children (the learner's app instances) are followed, the daemon is not. */
  watchPm2(home: string): void {
    if (this.stopped) return;
    this.pm2Homes.add(home);
    this.startPolling();
  }

  private startPolling(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => this.poll(), POLL_MS);
    this.timer.unref();
  }

  /** End of the run: one last look (children that went with the clean-up), then no more polling or events from the tree. */
  stop(): void {
    if (this.stopped) return;
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.programs.size > 0 || this.pm2Homes.size > 0) this.poll();
    this.stopped = true;
  }

  /** Read the learner's process tree: record the processes that appeared and those that ended. */
  poll(): void {
    // Linux: a few small reads per followed process. Elsewhere one process listing per look.
    const table = hasChildrenFile ? undefined : listProcesses();
    const stat = (pid: number): { state: string; ppid: number; start: string } | undefined => {
      if (!table) return procStat(pid);
      const p = table.find((q) => q.pid === pid);
      return p && { state: p.state, ppid: p.ppid, start: '' };
    };
    const childrenOf = (pid: number): number[] => (table ? table.filter((p) => p.ppid === pid).map((p) => p.pid) : (mainThreadChildren(pid) ?? []));

    const frontier: { pid: number; tree: number; daemon?: boolean }[] = [];
    for (const program of this.programs.values()) if (program.exit === undefined) frontier.push({ pid: program.pid, tree: program.pid });
    for (const home of this.pm2Homes) {
      const daemon = pm2Daemon(home);
      if (daemon !== undefined) frontier.push({ pid: daemon, tree: daemon, daemon: true });
    }
    for (const [pid, t] of this.tracked) {
      const now = stat(pid);
      if (!now || now.state === 'Z' || now.start !== t.start) {
        this.tracked.delete(pid);
        this.done.add(`${pid}:${t.start}`);
        this.add({ kind: 'exit', pid, tree: t.tree });
      } else {
        frontier.push({ pid, tree: t.tree });
      }
    }
    while (frontier.length > 0) {
      const parent = frontier.pop();
      if (!parent) break;
      for (const pid of childrenOf(parent.pid)) {
        if (this.tracked.has(pid) || this.programs.has(pid)) continue;
        const now = stat(pid);
        if (!now) continue;
        const key = `${pid}:${now.start}`;
        if (this.done.has(key)) continue;
        if (commandName(pid) === 'esbuild') {
          this.done.add(key); // tsx's esbuild service (isToolchainHelper): not the learner's process
          continue;
        }
        const command = commandLine(pid);
        // Forked but not yet exec'd: it still shows the daemon's command line. Look again next time
        // (marked done now, an instance seen in that moment was never drawn: a flake on a busy machine).
        if (parent.daemon && command !== '' && command === commandLine(parent.pid)) continue;
        if (parent.daemon && command !== '' && !/^(?:\S*\/)?(?:node|nodejs)(?:\s|$)/.test(command)) {
          this.done.add(key); // pm2's own helpers (`ps`, `getconf` through sh), not an app instance
          continue;
        }
        this.add({ kind: 'spawn', pid, ppid: parent.pid, role: 'child', tree: parent.tree, ...(command ? { command } : {}) });
        if (now.state === 'Z') {
          // Born and ended between two looks.
          this.done.add(key);
          this.add({ kind: 'exit', pid, tree: parent.tree });
          continue;
        }
        this.tracked.set(pid, { tree: parent.tree, start: now.start });
        frontier.push({ pid, tree: parent.tree });
      }
    }
  }
}

/** A process's command line, shortened (Linux; '' elsewhere): what a view shows on hover. */
function commandLine(pid: number): string {
  if (!hasProcFs) return '';
  try {
    const line = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    return line.length > 120 ? `${line.slice(0, 119)}…` : line;
  } catch {
    return '';
  }
}

/** The pm2 daemon of a PM2_HOME, from its pid file, if it runs. */
function pm2Daemon(home: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(home, 'pm2.pid'), 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    const s = procStat(pid);
    return hasProcFs ? (s && s.state !== 'Z' ? pid : undefined) : pid;
  } catch {
    return undefined;
  }
}

/** How a failed request's error code reads on the timeline. */
export function failureOf(code: string): 'timeout' | 'reset' | 'refused' | 'error' {
  if (code === 'TIMEOUT') return 'timeout';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET') return 'reset';
  return 'error';
}
