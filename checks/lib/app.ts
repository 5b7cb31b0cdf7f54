// A started learner program plus the port it serves: everything a check asks of a running program
// lives here, so check files keep only their expectations. Three kinds of question:
// - talk: get/post/request, one request on a fresh connection each (http.ts);
// - who answers: pidOnce, pidRound, pollPids, census, pids (keep-alive would pin the check to one
//   worker, so every request has its own connection; the workers of a cluster start one after
//   another, seconds apart on a busy machine, so "who answers" is asked in rounds until a deadline);
// - its processes and its end: workers, newWorkers, answering, exitText, died.
// The port-level functions (pidRound, pollPids, inParallel) serve a port no App owns, e.g. the one
// pm2's instances share or nginx's.
import { isToolchainHelper } from './command-name.ts';
import { childrenWithZombies, procStat } from './proc.ts';
import { describeExit, type ExitInfo } from './group.ts';
import { pidOf, request, RequestFailed, sleep, type Reply, type RequestOptions } from './http.ts';
import type { Program } from './program.ts';
import { orIdle } from './progress.ts';
import { describeReply } from './quote.ts';

/** `count` calls of `fn`, at most `concurrency` running at a time; the results in the order they ended. */
export async function inParallel<T>(count: number, concurrency: number, fn: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      next++;
      out.push(await fn());
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return out;
}

/** What one round of `GET /` brought back. */
export interface PidRound {
  /** The pid of every answer that carried one, in the order they came (repeats kept). */
  readonly pids: number[];
  /** The last thing that went wrong, in words (no answer, or an answer without a pid); '' if nothing. */
  readonly lastError: string;
}

/**
 * `n` `GET /` at once, each on a fresh connection, each bounded by `timeoutMs`. A failed request is
 * not thrown: a round on a cluster whose worker is dying or not listening yet is a normal sight.
 */
export async function pidRound(port: number, n: number, timeoutMs = 1500): Promise<PidRound> {
  const settled = await Promise.allSettled(Array.from({ length: n }, () => request(port, '/', { timeoutMs })));
  const pids: number[] = [];
  let lastError = '';
  for (const r of settled) {
    if (r.status === 'rejected') lastError = r.reason instanceof Error ? r.reason.message : String(r.reason);
    else {
      const pid = pidOf(r.value);
      if (pid === undefined) lastError = describeReply(r.value);
      else pids.push(pid);
    }
  }
  return { pids, lastError };
}

export interface PollOptions {
  /** Stop once this many distinct (kept) pids answered. */
  readonly want: number;
  /** Give up after this long; default 10 s. */
  readonly deadlineMs?: number;
  /** Count only pids this accepts (e.g. "not one of the old instances"); default: every pid. */
  readonly keep?: (pid: number) => boolean;
  /** Requests per round; default max(4, 2 × want), enough that a round reaches every worker. */
  readonly perRound?: number;
  /** Per request; default 1.5 s (a dying worker's connection hangs instead of resetting). */
  readonly timeoutMs?: number;
  /** Pause between rounds; default 50 ms. */
  readonly gapMs?: number;
  /** Pids already seen (added to, and returned). */
  readonly seen?: Set<number>;
  /** Stop early when this says so (e.g. the program exited). */
  readonly stop?: () => boolean;
}

export interface PollResult {
  /** Every distinct kept pid that answered. */
  readonly pids: Set<number>;
  /** As in PidRound: the last failure, for a ✗ that says why fewer answered. */
  readonly lastError: string;
}

/** Ask `GET /` in rounds until `want` distinct pids answered, or the deadline. */
export async function pollPids(port: number, opts: PollOptions): Promise<PollResult> {
  const pids = opts.seen ?? new Set<number>();
  const keep = opts.keep ?? ((): boolean => true);
  const deadline = performance.now() + (opts.deadlineMs ?? 10_000);
  let lastError = '';
  while (pids.size < opts.want && performance.now() < deadline && !opts.stop?.()) {
    const round = await pidRound(port, opts.perRound ?? Math.max(4, 2 * opts.want), opts.timeoutMs);
    for (const pid of round.pids) if (keep(pid)) pids.add(pid);
    if (round.lastError) lastError = round.lastError;
    if (pids.size < opts.want) await sleep(opts.gapMs ?? 50);
  }
  return { pids, lastError };
}

export interface CensusOptions {
  /** How many workers the program should run. */
  readonly want: number;
  /**
   * With fewer than `want` live workers, stop once the same ones have all answered for this long:
   * fewer were forked, and waiting longer only delays the verdict. Default 1.5 s: a primary may
   * space its forks (a learner's 1 s apart was judged short at 0.6 s, a right program refused).
   */
  readonly settleMs?: number;
  /** Give up after this long; default 10 s (a second worker lags the first by seconds when busy). */
  readonly deadlineMs?: number;
}

export interface Census {
  /** Every distinct pid that answered GET /. */
  readonly answered: Set<number>;
  /** The primary's live workers when the census ended. */
  readonly workers: number[];
  /** The primary itself answered (it must not listen). */
  readonly primaryAnswered: boolean;
}

export class App {
  constructor(
    readonly program: Program,
    readonly port: number,
  ) {}

  /** The top process: the primary, in a cluster. */
  get pid(): number {
    return this.program.pid;
  }

  /** Set once the top process has exited. */
  get exit(): ExitInfo | undefined {
    return this.program.exit;
  }

  request(path: string, opts?: RequestOptions): Promise<Reply> {
    return request(this.port, path, opts);
  }

  get(path: string, timeoutMs = 5000): Promise<Reply> {
    return request(this.port, path, { timeoutMs });
  }

  /**
   * GET a route that computes (fib): as `get`, but it fails with TIMEOUT as soon as the program's
   * processes (the top one and its workers) have done next to nothing for 3 s with it out
   * (progress.ts), not only after timeoutMs.
   */
  getComputed(path: string, timeoutMs = 10_000): Promise<Reply> {
    return orIdle(`GET ${path}`, () => [this.pid, ...this.workers()], this.get(path, timeoutMs));
  }

  post(path: string, body: unknown, timeoutMs = 5000): Promise<Reply> {
    return request(this.port, path, { method: 'POST', body, timeoutMs });
  }

  /** `GET /` over a fresh connection; the pid it answered with (undefined if the answer had none). */
  async pidOnce(timeoutMs = 3000): Promise<number | undefined> {
    return pidOf(await this.get('/', timeoutMs));
  }

  /** See pidRound: `n` `GET /` at once, failures not thrown. */
  pidRound(n = 4, timeoutMs = 1500): Promise<PidRound> {
    return pidRound(this.port, n, timeoutMs);
  }

  /** See pollPids; stops early when the program exits. */
  pollPids(opts: PollOptions): Promise<PollResult> {
    return pollPids(this.port, { ...opts, stop: () => this.exit !== undefined || (opts.stop?.() ?? false) });
  }

  /**
   * `count` requests to `GET /`, `concurrency` at a time, each on a new connection. Returns the pid
   * of every answer in order (undefined where the answer had none); a failed request throws.
   */
  pids(count: number, concurrency = 4): Promise<(number | undefined)[]> {
    return inParallel(count, concurrency, () => this.pidOnce());
  }

  /**
   * Ask `GET /` until `want` distinct pids have answered or `ms` pass (the second worker lags the
   * first by up to a few hundred ms). Returns every distinct pid seen.
   */
  async waitForPids(want: number, ms = 5000): Promise<Set<number>> {
    return (await this.pollPids({ want, deadlineMs: ms })).pids;
  }

  /**
   * Who serves this cluster: ask `GET /` in rounds until every live worker has answered and there
   * are `want` of them; or the same live workers, fewer, have all answered for `settleMs` (fewer
   * were forked: a primary that forks the next one when the last one listens adds it within
   * milliseconds of that one's first answer, and one that spaces its forks, within the time it
   * chose); or the primary answered, the program exited, or the
   * deadline passed. The workers are the primary's children, so a worker that never answers is
   * seen, not just missed. Then one more round, so that a program that also answers from the
   * primary is seen doing so.
   */
  async census(opts: CensusOptions): Promise<Census> {
    const answered = new Set<number>();
    const settleMs = opts.settleMs ?? 1500;
    const deadline = performance.now() + (opts.deadlineMs ?? 10_000);
    const round = async (): Promise<void> => {
      for (const pid of (await this.pidRound(Math.max(4, 2 * this.workers().length))).pids) answered.add(pid);
    };
    let calm: { readonly workers: string; readonly since: number } | undefined; // since when these workers have all answered
    for (;;) {
      const workers = this.workers();
      const all = workers.length > 0 && workers.every((pid) => answered.has(pid));
      const key = [...workers].sort((a, b) => a - b).join(',');
      if (!all) calm = undefined;
      else if (calm?.workers !== key) calm = { workers: key, since: performance.now() };
      const settled = all && (workers.length >= opts.want || performance.now() - (calm?.since ?? Infinity) > settleMs);
      if (this.exit || settled || answered.has(this.pid) || performance.now() > deadline) break;
      await round();
      await sleep(50);
    }
    await round();
    return { answered, workers: this.workers(), primaryAnswered: answered.has(this.pid) };
  }

  /**
   * Live children of the primary: its workers (tsx's esbuild service, also a child, left out, and
   * so is a child caught between fork and exec, which may yet become that service).
   * `zombies`: also those that have exited but whose 'exit' the primary has not taken in yet (not
   * reaped); from /proc's lists, elsewhere live ones only.
   */
  workers(opts: { readonly zombies?: boolean } = {}): number[] {
    const kids = (opts.zombies === true ? childrenWithZombies(this.pid) : undefined) ?? this.program.children();
    return kids.filter((pid) => !isToolchainHelper(pid) && procStat(pid)?.forkedOnly !== true);
  }

  /** Live workers that are not in `before`: the ones forked since. */
  newWorkers(before: Iterable<number>): number[] {
    const old = new Set(before);
    return this.workers().filter((pid) => !old.has(pid));
  }

  /**
   * Poll until `GET /` gets any answer (true), or the program exits or `ms` pass (false). Lighter
   * than t.start()'s readiness (no verdict on ports or hung routes): for a second program whose
   * start the check has already judged once, or whose failure it words itself.
   */
  async answering(ms: number, timeoutMs = 1500): Promise<boolean> {
    const deadline = performance.now() + ms;
    while (performance.now() < deadline && !this.exit) {
      try {
        await this.get('/', timeoutMs);
        return true;
      } catch (err) {
        if (!(err instanceof RequestFailed)) throw err;
      }
      await sleep(50);
    }
    return false;
  }

  /** "exited with code 1", "was killed by SIGKILL", or "is still running". */
  exitText(): string {
    return this.exit ? describeExit(this.exit) : 'is still running';
  }

  /** "`who` exited with code 1. Its last output:\n…", for a ✗ about a program that ended. */
  died(who = 'the program'): string {
    return `${who} ${this.exitText()}. Its last output:\n${this.program.tail()}`;
  }
}
