// What a Node process's main thread is doing, from Linux's /proc/PID/syscall: asleep in epoll (its
// event loop has nothing to run) and for how long at most, or busy. libuv passes the time to the
// loop's next timer as epoll's timeout (-1: no timer), so a primary that waits before its next try
// shows that wait here. Undefined where there is no /proc (macOS) or the process is gone.
import { readFileSync } from 'node:fs';

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

/** The one-letter state of a process (R, S, T stopped, Z zombie), from /proc; undefined if unknown. */
export function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}
