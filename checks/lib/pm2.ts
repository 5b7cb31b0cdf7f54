// pm2, as a check drives it: the workshop's own node_modules/.bin/pm2 (nothing global), with
// PM2_HOME in a temporary folder so that its daemon, logs and process list are ours alone. Every
// command runs asynchronously (a synchronous spawn would stall a request loop running beside it).
// Whatever happens — pass, fail, timeout, cancel — close() ends the apps and the daemon, makes sure
// no process of that PM2_HOME survives, and removes the folder.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import type { CheckContext } from './check.ts';
import { Fatal } from './errors.ts';
import { processesCarrying, reaper } from './group.ts';
import { sleep } from './http.ts';
import { isAlive } from './proc.ts';
import { root } from './paths.ts';

/** One pm2 process (an instance of an app), as `pm2 jlist` describes it. */
export interface Pm2Process {
  readonly name: string;
  readonly pmId: number;
  /** 0 while it is not running. */
  readonly pid: number;
  /** online, launching, errored, stopping, stopped, … */
  readonly status: string;
  /** cluster_mode or fork_mode. */
  readonly execMode: string;
  readonly interpreter: string;
  readonly nodeArgs: readonly string[];
  /** The script pm2 runs, as pm2 resolved it. */
  readonly script: string;
  readonly restarts: number;
  /** PORT in the environment pm2 gave the app (the ecosystem's `env` wins over the shell's). */
  readonly port: string | undefined;
}

export interface Pm2Run {
  /** Exit code of the pm2 command; null when it was killed (timeout, or the check ended). */
  readonly code: number | null;
  /** stdout and stderr, colours removed. */
  readonly output: string;
  readonly timedOut: boolean;
  readonly ms: number;
}

export interface Pm2Options {
  /** Environment for every pm2 command, so also for the daemon and the apps it starts (PORT). */
  readonly env?: Readonly<Record<string, string>>;
}

const bin = join(root, 'node_modules', 'pm2', 'bin', 'pm2');
const binDir = join(root, 'node_modules', '.bin');
/** Every PM2_HOME this process made (for tests); the reaper knows those not cleaned up yet. */
const everyHome = new Set<string>();

const hasEnviron = existsSync('/proc/self/environ');

/**
 * How pm2 runs a `.ts` script with no interpreter set on a given Node, in pm2's own words
 * (pm2 7 lib/tools/typestrip.js, used by Common.sink.resolveInterpreter and God/ClusterMode):
 * 'native' on Node >= 22.18 <23 or >= 23.6 (it runs node itself, in cluster mode too), 'flag' on
 * 22.6-22.17 (it adds --experimental-strip-types), false below: pm2 refuses the app ("TypeScript
 * apps require bun, Node.js >= 22.18 …"). Read from the installed pm2 so an upgrade cannot make
 * the check disagree with it; the same ranges by hand if that file moves.
 */
export function pm2TypeScript(version: string = process.versions.node): 'native' | 'flag' | false {
  try {
    const typestrip: unknown = createRequire(join(root, 'package.json'))('pm2/lib/tools/typestrip.js');
    if (typeof typestrip === 'object' && typestrip !== null && 'supportLevel' in typestrip && typeof typestrip.supportLevel === 'function') {
      const level: unknown = typestrip.supportLevel(version);
      if (level === 'native' || level === 'flag' || level === false) return level;
    }
  } catch {
    // Fall through to the same ranges.
  }
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if ((major === 22 && minor >= 18) || (major === 23 && minor >= 6) || major > 23) return 'native';
  return major > 22 || (major === 22 && minor >= 6) ? 'flag' : false;
}
const stripAnsi = (s: string): string => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');

/**
 * Live processes that belong to a PM2_HOME: the daemon, the apps, and anything they started, all
 * of which inherit PM2_HOME. On Linux /proc/PID/environ says so; elsewhere fall back to the pids
 * pm2 told us (`known`), which is less sure (a pid may be reused) but all there is.
 */
function membersOf(home: string, known: Iterable<number> = []): number[] {
  if (!hasEnviron) return [...new Set(known)].filter((pid) => isAlive(pid));
  return processesCarrying([`PM2_HOME=${home}`]);
}

/** Live processes of any PM2_HOME this process ever created: after a check there must be none. */
export function pm2Survivors(): number[] {
  return [...everyHome].flatMap((home) => membersOf(home));
}

export class Pm2 {
  readonly home: string;
  private readonly env: Record<string, string>;
  private readonly running = new Set<ChildProcess>();
  private readonly seenPids = new Set<number>();
  private readonly aborter = new AbortController();
  private closing: Promise<void> | undefined;

  constructor(opts: Pm2Options = {}) {
    this.home = mkdtempSync(join(tmpdir(), 'workshop-pm2-'));
    everyHome.add(this.home);
    // If this process ends before close() (Ctrl-C, a killed test worker), the reaper ends every
    // process of this PM2_HOME (the daemon leaves every process group we know) and removes it.
    reaper.trackMarker(`PM2_HOME=${this.home}`);
    reaper.trackDir(this.home);
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    // The workshop's runner options mean nothing to pm2 or the learner's app.
    delete env.NODE_OPTIONS;
    for (const k of Object.keys(env)) if (k.startsWith('PM2_')) delete env[k];
    Object.assign(env, {
      // As `npx pm2` would: the project's binaries (tsx, pm2) come first on PATH. Then this Node:
      // pm2 decides whether it can run a .ts by the `node` it finds on PATH (typestrip.js
      // resolvedNodeVersion), while the daemon and its cluster instances run on the Node that
      // starts pm2 (this one), so both must be the same Node the check judges by.
      PATH: `${binDir}${delimiter}${dirname(process.execPath)}${delimiter}${env.PATH ?? ''}`,
      PM2_HOME: this.home,
      // The daemon's defaults for apps that set none. On a loaded machine a tsx instance can take
      // longer than pm2's 3 s listen_timeout to listen, and a reload would then stop the old
      // instance before the new one serves: a failure of the machine, not of the learner's app.
      PM2_GRACEFUL_LISTEN_TIMEOUT: '30000',
      FORCE_COLOR: '0',
      ...opts.env,
    });
    this.env = env;
  }

  /** Aborted once clean-up has begun: whatever still runs (a request loop) should stop. */
  get signal(): AbortSignal {
    return this.aborter.signal;
  }

  /**
   * `pm2 <args>` from the workshop's root (so the daemon's `--import tsx` resolves), without
   * blocking the event loop. Never rejects: a command that outlives `timeoutMs`, or the check, is
   * killed and reported with code null.
   */
  run(args: readonly string[], timeoutMs = 15_000): Promise<Pm2Run> {
    if (this.closing) return Promise.resolve({ code: null, output: '', timedOut: false, ms: 0 });
    return this.exec(args, timeoutMs);
  }

  private exec(args: readonly string[], timeoutMs: number): Promise<Pm2Run> {
    const started = performance.now();
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [bin, ...args], {
        cwd: root,
        env: this.env,
        detached: true, // its own group, to kill the CLI whole (the daemon detaches by itself)
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      this.running.add(child);
      let text = '';
      const keep = (chunk: Buffer): void => {
        text = (text + chunk.toString('utf8')).slice(-256 * 1024);
      };
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup(child, 'SIGKILL');
      }, timeoutMs);
      const done = (code: number | null): void => {
        clearTimeout(timer);
        this.running.delete(child);
        resolve({ code, output: stripAnsi(text), timedOut, ms: Math.round(performance.now() - started) });
      };
      child.on('error', (err) => {
        keep(Buffer.from(String(err)));
        done(null);
      });
      child.on('close', (code) => done(code));
    });
  }

  /** `pm2 jlist`, parsed. Throws with pm2's output when there is no JSON list in it. */
  async jlist(): Promise<Pm2Process[]> {
    const r = await this.run(['jlist'], 10_000);
    const list = parseJlist(r.output);
    if (!list) throw new Error(`pm2 jlist printed no process list (exit code ${r.code}):\n${r.output.slice(-2000)}`);
    for (const p of list) if (p.pid > 0) this.seenPids.add(p.pid);
    return list;
  }

  /** `pm2 jlist` for a check: without a list there is nothing left to judge, so a Fatal. */
  async list(): Promise<Pm2Process[]> {
    try {
      return await this.jlist();
    } catch (err) {
      throw new Fatal('pm2 jlist gave no process list', err instanceof Error ? err.message : String(err));
    }
  }

  /** errorLog() as a paragraph to append to a ✗'s seen: '' when the apps wrote nothing to stderr. */
  logTail(): string {
    const log = this.errorLog();
    return log === '' ? '' : `\nThe apps' error log (npx pm2 logs --err):\n${log}`;
  }

  /**
   * The last lines the apps wrote to stderr (pm2 keeps them in PM2_HOME/logs), stack frames
   * dropped: what to show when an app does not come up. '' when there are none.
   */
  errorLog(lines = 8): string {
    const dir = join(this.home, 'logs');
    let files: string[];
    try {
      files = readdirSync(dir).filter((f) => f.includes('-error')).map((f) => join(dir, f));
    } catch {
      return '';
    }
    const newest = files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
    if (!newest) return '';
    const kept = readFileSync(newest, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '' && !/^\s+at /.test(l) && !/^Node\.js v\d/.test(l));
    return kept.slice(-lines).join('\n');
  }

  /** Live processes of this PM2_HOME (the daemon, the apps, their children). */
  members(): number[] {
    return membersOf(this.home, [...this.seenPids, ...this.daemonPid()]);
  }

  private daemonPid(): number[] {
    try {
      const pid = Number(readFileSync(join(this.home, 'pm2.pid'), 'utf8').trim());
      return Number.isInteger(pid) && pid > 0 ? [pid] : [];
    } catch {
      return [];
    }
  }

  /**
   * `pm2 delete all`, `pm2 kill`, then SIGKILL for any process of this PM2_HOME still alive, and
   * the folder removed. Safe to call twice, and on every path.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.aborter.abort();
    // A pm2 command still running (the check timed out during it) is cut short first.
    const inFlight = [...this.running];
    for (const child of inFlight) killGroup(child, 'SIGKILL');
    await Promise.all(inFlight.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('close', r)))));
    if (hasEnviron) {
      // Linux knows every process of this PM2_HOME: SIGKILL them, the daemon first so that it
      // restarts no instance, without asking pm2 (`delete all` and `kill` are two more pm2 starts,
      // about a second on a quiet machine, several on a busy one, before the learner's verdict).
      for (const pid of this.daemonPid()) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone already.
        }
      }
    } else if (this.members().length > 0) {
      // Elsewhere only pm2 knows its processes for sure. Any pm2 command spawns a daemon if none
      // runs: only ask pm2 when there is something to end.
      await this.exec(['delete', 'all'], 8000);
      await this.exec(['kill'], 8000);
    }
    const deadline = Date.now() + 15_000; // a loaded machine can take seconds to end a process
    for (let left = this.members(); left.length > 0; left = this.members()) {
      for (const pid of left) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone meanwhile.
        }
      }
      if (Date.now() > deadline) break;
      await sleep(25);
    }
    rmSync(this.home, { recursive: true, force: true });
    reaper.untrackMarker(`PM2_HOME=${this.home}`);
    reaper.untrackDir(this.home);
  }
}

/** `pm_id 0 · pid 123 · cluster_mode · online`, one line per instance, for a ✗. */
export function describeProcesses(list: readonly Pm2Process[]): string {
  if (list.length === 0) return 'pm2 lists no process at all';
  return list
    .map((p) => `${p.name} #${p.pmId} · pid ${p.pid || '-'} · ${p.execMode} · ${p.status}${p.restarts ? ` · restarted ${p.restarts}×` : ''} · interpreter ${p.interpreter} ${p.nodeArgs.join(' ')}`.trimEnd())
    .join('\n');
}

/** What pm2 said when a command failed: its error lines, else its last lines (its tables left out). */
export function pm2Said(output: string): string {
  const lines = output.split('\n').filter((l) => l.trim() !== '' && !/^[│┌└├]/.test(l.trim()));
  const errors = lines.filter((l) => /ERROR|Error|not found|NOT AVAILABLE/i.test(l));
  return (errors.length > 0 ? errors : lines.slice(-6)).join('\n');
}

function killGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, sig);
  } catch {
    // Already gone.
  }
}

/** The JSON array in `pm2 jlist` output, which may follow banner and log lines. */
export function parseJlist(output: string): Pm2Process[] | undefined {
  const lines = output.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]?.trimStart().startsWith('[')) continue;
    for (const text of [lines[i] ?? '', lines.slice(i).join('\n')]) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        continue;
      }
      if (Array.isArray(parsed)) return parsed.map(toProcess);
    }
  }
  return undefined;
}

function toProcess(raw: unknown): Pm2Process {
  const o = record(raw);
  const env = record(o.pm2_env);
  const appEnv = record(env.env);
  const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
  const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const nodeArgs = Array.isArray(env.node_args) ? env.node_args.map(str) : typeof env.node_args === 'string' ? env.node_args.split(/\s+/).filter(Boolean) : [];
  const port = appEnv.PORT ?? env.PORT;
  return {
    name: str(o.name ?? env.name),
    pmId: num(o.pm_id ?? env.pm_id),
    pid: num(o.pid),
    status: str(env.status),
    execMode: str(env.exec_mode),
    interpreter: str(env.exec_interpreter),
    nodeArgs,
    script: str(env.pm_exec_path),
    restarts: num(env.restart_time),
    port: port === undefined ? undefined : str(port),
  };
}

function record(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
}

/**
 * A pm2 for this check run, PORT and all in `opts.env`. Clean-up is registered with `t.defer`, so
 * it happens whether the check passes, fails, times out or is cancelled.
 */
export function startPm2(t: CheckContext, opts?: Pm2Options): Pm2 {
  const pm2 = new Pm2(opts);
  t.defer(() => pm2.close());
  return pm2;
}
