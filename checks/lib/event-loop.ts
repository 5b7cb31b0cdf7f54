// What a Node process's main thread is doing, from Linux's /proc/PID/syscall: asleep in epoll (its
// event loop has nothing to run) and for how long at most, or busy. libuv passes the time to the
// loop's next timer as epoll's timeout (-1: no timer), so a primary that waits before its next try
// shows that wait here. Undefined where there is no /proc (macOS) or the process is gone.
import { readdirSync, readFileSync } from 'node:fs';

export type LoopState =
  | { readonly asleep: false }
  /** `timerMs`: time left to the next timer when it went to sleep; -1 none; undefined unknown (epoll_pwait2). */
  | { readonly asleep: true; readonly timerMs: number | undefined };

// epoll_wait and epoll_pwait take the timeout in ms as their 4th argument; epoll_pwait2 a pointer.
const EPOLL: Readonly<Record<string, { readonly ms: readonly number[]; readonly other: readonly number[] }>> = {
  x64: { ms: [232, 281], other: [441] },
  arm64: { ms: [22], other: [441] },
};

export function loopState(pid: number, thread = pid): LoopState | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/task/${thread}/syscall`, 'utf8').trim();
  } catch {
    return undefined;
  }
  if (text === '' ) return undefined;
  const fields = text.split(' ');
  const nr = Number(fields[0]);
  const table = EPOLL[process.arch];
  if (!table || !Number.isInteger(nr)) return undefined;
  if (table.other.includes(nr)) return { asleep: true, timerMs: undefined };
  if (!table.ms.includes(nr)) return { asleep: false }; // "running", or another system call
  const raw = fields[4];
  if (raw === undefined) return { asleep: true, timerMs: undefined };
  const ms = Number(BigInt.asIntN(32, BigInt(raw))); // an int in a 64-bit register
  return { asleep: true, timerMs: ms };
}

/** The one-letter state of a process, or of one of its threads (R, S, D, T stopped, Z zombie), from /proc; undefined if unknown. */
export function procState(pid: number, thread?: string): string | undefined {
  try {
    const stat = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/**
 * A process that has nothing to do: its main thread asleep in its event loop and none of its
 * threads running or waiting for a core (R) or for the disk (D). A module loader thread (tsx on
 * Node 20) keeps working while the main thread waits in epoll for it. Undefined without /proc.
 */
export function idle(pid: number): boolean | undefined {
  let threads: string[];
  try {
    threads = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  // loopState is undefined for a thread that runs at this moment (/proc says "running") too.
  if (loopState(pid)?.asleep !== true) return false;
  return threads.every((tid) => !/^[RD]$/.test(procState(pid, tid) ?? 'S'));
}
