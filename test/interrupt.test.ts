// Issue 18: however a test run is stopped — Ctrl-C (SIGINT to its whole process group), SIGTERM to
// vitest (as `timeout`, a CI runner or an editor's test panel sends it), SIGKILL of a test worker —
// nothing the workshop started survives it by more than 5 s: no learner program (the whole group),
// no pm2 daemon or app (and its PM2_HOME removed), no nginx, no redis-server (and their folders
// removed), no tsc, and no watchdog of the run. A real vitest runs one check of
// test/checks.test.ts in a child process and is interrupted at the moment named.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listProcesses, sleep } from '../checks/lib/index.ts';
import { root } from '../checks/lib/runner.ts';
import { findBinary } from '../checks/lib/service.ts';

interface Seen {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  readonly cmd: string;
  readonly env: string;
  readonly cwd: string;
}

function snapshot(): Seen[] {
  const all: Seen[] = [];
  for (const p of listProcesses()) {
    if (p.state === 'Z' || p.pid === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${p.pid}/cmdline`, 'latin1').replaceAll('\0', ' ').trim();
      const env = `\0${readFileSync(`/proc/${p.pid}/environ`, 'latin1')}\0`;
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${p.pid}/cwd`);
      } catch {
        // Not ours to read.
      }
      all.push({ pid: p.pid, ppid: p.ppid, pgid: p.pgid, cmd, env, cwd });
    } catch {
      // Gone meanwhile.
    }
  }
  return all;
}

/**
 * What one vitest run started, as the process table shows it while it runs: every process that
 * carries the run's environment marker, every process group whose leader was started by one of
 * those (nginx and redis-server overwrite their environment), the PM2_HOMEs and the temporary
 * folders of nginx and redis-server, and the reaper's watchdogs (started with an empty environment).
 */
class Run {
  readonly marker = `WORKSHOP_INTERRUPT_TEST=${randomBytes(6).toString('hex')}`;
  readonly child: ChildProcess;
  readonly pids = new Set<number>();
  readonly groups = new Set<number>();
  readonly folders = new Set<string>();
  readonly seen: Seen[] = [];
  output = '';

  constructor(filter: string) {
    const [key = '', value = ''] = this.marker.split('=');
    this.child = spawn(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/checks.test.ts', '-t', filter], {
      cwd: root,
      env: { ...process.env, [key]: value, CI: '1', FORCE_COLOR: '0' },
      detached: true, // its own process group, as a terminal's foreground job has
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (c: Buffer) => (this.output += c.toString()));
    this.child.stderr?.on('data', (c: Buffer) => (this.output += c.toString()));
  }

  /** Look at the process table once; returns what runs now that belongs to this run. */
  look(): Seen[] {
    const now = snapshot();
    // Parents are judged in this same snapshot, so that a reused pid does not adopt a stranger.
    const live = new Set<number>();
    const ours = (s: Seen): boolean =>
      s.env.includes(`\0${this.marker}\0`) || live.has(s.ppid) || this.groups.has(s.pgid) || [...this.pids].some((pid) => s.cmd.includes(`watchdog.sh WORKSHOP_RUN_${pid}_`));
    for (let grew = true; grew; ) {
      grew = false;
      for (const s of now) {
        if (live.has(s.pid) || !ours(s)) continue;
        live.add(s.pid);
        grew = true;
        if (!this.pids.has(s.pid)) this.seen.push(s);
        this.pids.add(s.pid);
        if (s.pid === s.pgid && s.pid !== this.child.pid) this.groups.add(s.pgid);
        const home = /\0PM2_HOME=([^\0]+)\0/.exec(s.env)?.[1];
        if (home) this.folders.add(home);
        if (/\/workshop-(nginx|redis)-/.test(s.cwd)) this.folders.add(s.cwd);
      }
    }
    return now.filter((s) => live.has(s.pid));
  }

  /** Poll until `moment` says a process of this run is there; false if vitest ended or `ms` passed. */
  async waitFor(moment: (s: Seen) => boolean, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline && this.child.exitCode === null && this.child.signalCode === null) {
      if (this.look().some(moment)) return true;
      await sleep(50);
    }
    return false;
  }

  /** What of this run is still alive, or still on disk, after up to `ms`. */
  async leftAfter(ms: number): Promise<string[]> {
    const deadline = Date.now() + ms;
    for (;;) {
      const left = [...this.look().map((s) => `pid ${s.pid} (group ${s.pgid}): ${s.cmd.slice(0, 160)}`), ...[...this.folders].filter((f) => existsSync(f)).map((f) => `folder ${f}`)];
      if (left.length === 0 || Date.now() >= deadline) return left;
      await sleep(100);
    }
  }

  /** The test's own clean-up, whatever happened: nothing of this run may outlive the test. */
  killAll(): void {
    for (const s of this.look()) {
      try {
        process.kill(s.pid, 'SIGKILL');
      } catch {
        // Gone.
      }
    }
    for (const f of this.folders) rmSync(f, { recursive: true, force: true });
  }
}

const learner = (s: Seen): boolean => /server\.ts$/.test(s.cmd) && !s.cmd.includes('vitest');
const twoWorkers = (run: Run) => (s: Seen): boolean => learner(s) && run.seen.filter((o) => o.ppid === s.pid && learner(o)).length >= 2;
const pm2Daemon = (s: Seen): boolean => /^PM2 v[\d.]+: God Daemon/.test(s.cmd);
const redis = (s: Seen): boolean => /redis-server/.test(s.cmd);
const worker = (run: Run) => (s: Seen): boolean => s.ppid === run.child.pid && s.cmd.includes('vitest');

function has(name: string): boolean {
  try {
    findBinary(name, { debian: '', mac: '' });
    return true;
  } catch {
    return false;
  }
}
const services = has('nginx') && has('redis-server');

interface Scenario {
  readonly name: string;
  readonly filter: string;
  readonly moment: (run: Run) => (s: Seen) => boolean;
  /** Ctrl-C reaches the whole group; `timeout` and CI runners signal vitest itself. */
  readonly stop: (run: Run) => void;
  readonly skip?: boolean;
}

const toGroup = (sig: NodeJS.Signals) => (run: Run) => run.child.pid !== undefined && process.kill(-run.child.pid, sig);
const toVitest = (sig: NodeJS.Signals) => (run: Run) => run.child.kill(sig);

const scenarios: Scenario[] = [
  { name: 'SIGTERM to vitest while a check talks to a cluster (05)', filter: '05-messaging passes on the solution', moment: twoWorkers, stop: toVitest('SIGTERM') },
  { name: 'Ctrl-C (SIGINT to the group) while pm2 starts its daemon (06)', filter: '06-pm2 passes on the solution', moment: () => pm2Daemon, stop: toGroup('SIGINT') },
  { name: 'SIGTERM to vitest while redis-server starts (09)', filter: '09-beyond-one-machine passes on the solution', moment: () => redis, stop: toVitest('SIGTERM'), skip: !services },
  {
    name: 'SIGKILL of the test worker during a check (05)',
    filter: '05-messaging passes on the solution',
    moment: twoWorkers,
    stop: (run) => {
      for (const s of run.look().filter(worker(run))) process.kill(s.pid, 'SIGKILL');
    },
  },
];

// The runs go side by side: each waits mostly for its own vitest to start and reach its moment.
describe.concurrent('an interrupted test run leaves nothing behind (issue 18)', () => {
  for (const sc of scenarios) {
    it.skipIf(sc.skip)(sc.name, async () => {
      const run = new Run(sc.filter);
      try {
        const reached = await run.waitFor(sc.moment(run), 90_000);
        expect(reached, `the moment to interrupt never came; vitest said:\n${run.output.slice(-3000)}`).toBe(true);
        sc.stop(run);
        const left = await run.leftAfter(5000);
        expect(left, `left 5 s after the interruption (seen: ${run.seen.length} processes)`).toEqual([]);
      } finally {
        run.killAll();
      }
    }, 120_000);
  }
});
