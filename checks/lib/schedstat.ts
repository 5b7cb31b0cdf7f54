// What the scheduler counts for a process's main thread, in ms with ns precision: the time it ran
// and the time it was ready to run but waited for a core. Their sum is the time it was runnable:
// unlike wall time, it tells "busy" from "idle" even when other programs crowd the cores.
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export interface SchedTimes {
  readonly runMs: number;
  readonly waitMs: number;
}

/** undefined when the process is gone or the system has no /proc/PID/schedstat (macOS). */
export function schedTimes(pid: number): SchedTimes | undefined {
  return readSchedstat(`/proc/${pid}/schedstat`);
}

/** A process's or a thread's schedstat file, in ms; undefined when it cannot be read. */
function readSchedstat(file: string): SchedTimes | undefined {
  try {
    const [run = NaN, wait = NaN] = readFileSync(file, 'utf8').trim().split(/\s+/).map(Number);
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
 * What the scheduler counts for every live thread of a process, by thread id: empty when the
 * process is gone or the system has no /proc (a thread that ended meanwhile is left out).
 */
export function threadSchedTimes(pid: number): Map<number, SchedTimes> {
  const out = new Map<number, SchedTimes>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    const times = readSchedstat(`/proc/${pid}/task/${tid}/schedstat`);
    if (times) out.set(Number(tid), times);
  }
  return out;
}

/**
 * The CPU time of every live thread of a process, in ms with ns precision (/proc/PID/task/TID/schedstat, every TID):
 * /proc/PID/stat counts in 10 ms ticks, which made a request that did no work look like 10 or 20 ms
 * of it. undefined when the process is gone or the system has no /proc/PID/task (macOS).
 */
export function processRunMs(pid: number): number | undefined {
  if (!existsSync(`/proc/${pid}/task`)) return undefined;
  return [...threadSchedTimes(pid).values()].reduce((sum, t) => sum + t.runMs, 0);
}
