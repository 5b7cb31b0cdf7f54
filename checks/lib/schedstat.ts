// What the scheduler counts for a process's main thread, in ms with ns precision: the time it ran
// and the time it was ready to run but waited for a core. Their sum is the time it was runnable:
// unlike wall time, it tells "busy" from "idle" even when other programs crowd the cores.
import { readdirSync, readFileSync } from 'node:fs';

export interface SchedTimes {
  readonly runMs: number;
  readonly waitMs: number;
}

/** undefined when the process is gone or the system has no /proc/PID/schedstat (macOS). */
export function schedTimes(pid: number): SchedTimes | undefined {
  try {
    const [run = NaN, wait = NaN] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
    if (!Number.isFinite(run) || !Number.isFinite(wait)) return undefined;
    return { runMs: run / 1e6, waitMs: wait / 1e6 };
  } catch {
    return undefined;
  }
}

/** Running plus waiting for a core, in ms: undefined where schedTimes is. */
export function runnableMs(pid: number): number | undefined {
  const sched = schedTimes(pid);
  return sched && sched.runMs + sched.waitMs;
}

/**
 * The CPU time of every live thread of a process, in ms with ns precision (/proc/PID/task/TID/schedstat, every TID):
 * /proc/PID/stat counts in 10 ms ticks, which made a request that did no work look like 10 or 20 ms
 * of it. undefined where schedTimes is (a thread that ended meanwhile is left out).
 */
export function processRunMs(pid: number): number | undefined {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  let sum = 0;
  for (const tid of tids) {
    try {
      const run = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(/\s+/)[0]);
      if (Number.isFinite(run)) sum += run / 1e6;
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return sum;
}
