// What the scheduler counts for a process's main thread, in ms with ns precision: the time it ran
// and the time it was ready to run but waited for a core. Their sum is the time it was runnable:
// unlike wall time, it tells "busy" from "idle" even when other programs crowd the cores.
import { readFileSync } from 'node:fs';

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
