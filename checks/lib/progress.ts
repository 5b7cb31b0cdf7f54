// Whether a program is still at work on requests it has not answered. A right program is never idle
// with a request out that it must compute: it runs, or waits for a core, and the kernel counts both
// (schedstat's run and wait time, ns precision), however crowded the machine. A program whose
// threads, all together, did next to nothing for a while with such a request out will not answer
// it: the check can say so then, instead of waiting out the request's own bound (meant for a
// crowded machine that is slow but working).
import { existsSync } from 'node:fs';
import { RequestFailed, sleep } from './http.ts';
import { threadSchedTimes } from './schedstat.ts';

/** Where /proc has no schedstat (macOS), nothing can be watched: no program is ever called idle. */
const canWatch = existsSync('/proc/self/task') && existsSync('/proc/self/schedstat');

/** Run plus wait ms so far of every live thread of these processes, by "pid/tid". */
export function busyByThread(pids: readonly number[]): Map<string, number> {
  return new Map(pids.flatMap((pid) => [...threadSchedTimes(pid)].map(([tid, t]): [string, number] => [`${pid}/${tid}`, t.runMs + t.waitMs])));
}

/**
 * Run and wait time of a set of threads, summed over a sliding window: `idle()` says when they did
 * less than `busyMs` in all through `idleMs`. Threads that end keep what they did; new ones count
 * from 0.
 */
export class Progress {
  private sum = 0;
  private readonly window: { readonly at: number; readonly sum: number }[] = [];
  private readonly last: Map<string, number>;

  /** `who`: whose threads, for the sentence ("the process's", "the program's processes'"). */
  constructor(
    before: ReadonlyMap<string, number>,
    private readonly idleMs: number,
    private readonly busyMs: number,
    private readonly who: string,
  ) {
    this.last = new Map(before);
  }

  /** Takes in a look at the threads: what it saw when they have done next to nothing through idleMs, else undefined. */
  idle(now: ReadonlyMap<string, number>): string | undefined {
    if (!canWatch) return undefined;
    for (const [key, busy] of now) {
      this.sum += busy - (this.last.get(key) ?? 0);
      this.last.set(key, busy);
    }
    const at = Date.now();
    this.window.push({ at, sum: this.sum });
    while (this.window.length > 1 && (this.window[1] as { at: number }).at <= at - this.idleMs) this.window.shift();
    const from = this.window[0] as { at: number; sum: number };
    const did = this.sum - from.sum;
    return at - from.at >= this.idleMs && did < this.busyMs ? `for ${this.idleMs / 1000} s ${this.who} threads ran or waited for a core only ${Math.round(did)} ms in all` : undefined;
  }
}

export interface WatchOptions {
  readonly idleMs: number;
  readonly busyMs: number;
  /** Whose threads, for the sentence. */
  readonly who: string;
  /** How often to look (50 ms unless said). */
  readonly pollMs?: number;
}

/**
 * What `pending` gives, as soon as it settles (lines time it), or what a Progress on `pids` saw
 * when they stopped working with it still out.
 */
export async function unlessIdle<T>(pids: () => readonly number[], pending: Promise<T>, opts: WatchOptions): Promise<{ readonly value: T } | { readonly idle: string }> {
  let settled = false;
  const value = pending.then(
    (v) => {
      settled = true;
      return { value: v } as const;
    },
    (err: unknown) => {
      settled = true;
      throw err;
    },
  );
  const watch = async (): Promise<{ readonly idle: string } | undefined> => {
    const progress = new Progress(busyByThread(pids()), opts.idleMs, opts.busyMs, opts.who);
    while (!settled) {
      await sleep(opts.pollMs ?? 50);
      if (settled) return undefined;
      const idle = progress.idle(busyByThread(pids()));
      if (idle !== undefined) return { idle };
    }
    return undefined;
  };
  type Got = { readonly value: T } | { readonly idle: string };
  return Promise.race<Got>([value, watch().then((idle): Got | Promise<Got> => idle ?? value)]);
}

/**
 * For a request the program must compute at once (fib: a few hundred ms at most, even on a crowded
 * machine, since waiting for a core counts): 3 s with its processes doing under 100 ms in all.
 * Looked at 4 times a second: reading every thread's schedstat costs the check a little CPU, and
 * the lines that time /work share the cores with it.
 */
export const COMPUTE_WATCH: WatchOptions = { idleMs: 3000, busyMs: 100, who: "the program's processes'", pollMs: 250 };

/**
 * `pending`, or a RequestFailed TIMEOUT as soon as the processes have done next to nothing through
 * opts.idleMs with it still out: the harness then names it as a request with no answer at all.
 */
export async function orIdle<T>(what: string, pids: () => readonly number[], pending: Promise<T>, opts: WatchOptions = COMPUTE_WATCH): Promise<T> {
  const got = await unlessIdle(pids, pending, opts);
  if ('idle' in got) throw new RequestFailed(`${what} got no answer, and ${got.idle}: nothing is computing it`, 'TIMEOUT');
  return got.value;
}
