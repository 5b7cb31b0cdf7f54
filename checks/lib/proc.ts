// The process table: who is in a process group, whose children are alive, how much CPU a process
// burned, which ports it listens on. Linux reads /proc; elsewhere (macOS) it asks `ps` and `lsof`.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

export interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  /** One letter: R running, S sleeping, Z zombie, … */
  readonly state: string;
  /** User + system CPU time, in milliseconds. */
  readonly cpuMs: number;
  /**
   * Forked and not yet exec'd (the kernel's PF_FORKNOEXEC; Linux only): for that moment a child
   * still runs its parent's program, so tsx's esbuild service looks like one more `node`.
   */
  readonly forkedOnly?: boolean;
}

const hasProc = (() => {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
})();

const ticksPerSecond = (() => {
  if (!hasProc) return 100;
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** The flag the kernel sets in a child at fork() and clears at exec() (include/linux/sched.h). */
const PF_FORKNOEXEC = 0x40;

function readStat(pid: number): (ProcInfo & { readonly start: string }) | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name sits in parentheses and may hold spaces: split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const num = (i: number): number => Number(fields[i]);
  return {
    pid,
    state: fields[0] ?? '?',
    ppid: num(1),
    pgid: num(2),
    cpuMs: ((num(11) + num(12)) * 1000) / ticksPerSecond,
    forkedOnly: (num(6) & PF_FORKNOEXEC) !== 0,
    start: fields[19] ?? '',
  };
}

/**
 * One process, read cheaply: its state, parent and start time (clock ticks since boot; with the pid
 * it names one process, as pids are reused). undefined once gone. Linux only (`undefined` elsewhere:
 * see `hasProcFs`).
 */
export function procStat(pid: number): (ProcInfo & { readonly start: string }) | undefined {
  return hasProc ? readStat(pid) : undefined;
}

export const hasProcFs = hasProc;

/** Whether mainThreadChildren() can answer (Linux with CONFIG_PROC_CHILDREN). */
export const hasChildrenFile = hasProc && (() => {
  try {
    readFileSync(`/proc/${process.pid}/task/${process.pid}/children`);
    return true;
  } catch {
    return false; // a kernel without CONFIG_PROC_CHILDREN
  }
})();

/**
 * Children of `pid` forked by its main thread (zombies included), in one read of
 * /proc/PID/task/PID/children; undefined where the kernel has no such file (then use
 * listProcesses()). Node forks from its main thread, so for node programs that is every child.
 */
export function mainThreadChildren(pid: number): number[] | undefined {
  if (!hasChildrenFile) return undefined;
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return text === '' ? [] : text.split(' ').map(Number);
  } catch {
    return [];
  }
}

function parseCpuTime(text: string): number {
  // ps prints [[dd-]hh:]mm:ss[.cc]
  const [days, rest] = text.includes('-') ? text.split('-') : ['0', text];
  const parts = (rest ?? '0').split(':').map(Number).reverse();
  const seconds = (parts[0] ?? 0) + (parts[1] ?? 0) * 60 + (parts[2] ?? 0) * 3600 + Number(days) * 86400;
  return Math.round(seconds * 1000);
}

export function listProcesses(): ProcInfo[] {
  if (hasProc) {
    const all: ProcInfo[] = [];
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const info = readStat(Number(name));
      if (info) all.push(info);
    }
    return all;
  }
  const out = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,pgid=,stat=,time='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length >= 5)
    .map(([pid, ppid, pgid, stat, time]) => ({
      pid: Number(pid),
      ppid: Number(ppid),
      pgid: Number(pgid),
      state: (stat ?? '?').charAt(0),
      cpuMs: parseCpuTime(time ?? '0'),
    }));
}

/** Live (non-zombie) members of a process group. Zombies are ignored: this container's init does not reap. */
export function groupMembers(pgid: number): number[] {
  return listProcesses()
    .filter((p) => p.pgid === pgid && p.state !== 'Z')
    .map((p) => p.pid);
}

/**
 * Every child of a process, zombies included, from its threads' /proc/PID/task/TID/children (a few
 * small reads, where a scan of /proc reads every process's stat); undefined where that file is
 * missing (no /proc, or a kernel without CONFIG_PROC_CHILDREN).
 */
export function childrenWithZombies(pid: number): number[] | undefined {
  if (!hasProc) return undefined;
  try {
    const kids: number[] = [];
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      for (const k of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ')) if (k.trim() !== '') kids.push(Number(k));
    }
    return kids;
  } catch {
    return undefined;
  }
}

/** Live (non-zombie) children of a process. */
export function childrenOf(pid: number): number[] {
  const kids = childrenWithZombies(pid);
  if (kids !== undefined) {
    return kids.filter((k) => {
      const state = readStat(k)?.state;
      return state !== undefined && state !== 'Z';
    });
  }
  return listProcesses()
    .filter((p) => p.ppid === pid && p.state !== 'Z')
    .map((p) => p.pid);
}

export function isAlive(pid: number): boolean {
  const info = hasProc ? readStat(pid) : listProcesses().find((p) => p.pid === pid);
  return info !== undefined && info.state !== 'Z';
}

/** CPU time (user + system) a process has burned so far, in ms; undefined once it is gone. */
export function cpuTimeMs(pid: number): number | undefined {
  if (hasProc) return readStat(pid)?.cpuMs;
  return listProcesses().find((p) => p.pid === pid)?.cpuMs;
}

/** The inodes of the sockets these processes hold open (Linux /proc). */
/** The inodes of every socket these processes hold open (Linux: /proc/PID/fd). */
export function socketInodes(pids: readonly number[]): Set<string> {
  const inodes = new Set<string>();
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m?.[1]) inodes.add(m[1]);
      } catch {
        // The fd closed while we looked.
      }
    }
  }
  return inodes;
}

/**
 * Unix-domain sockets these processes listen on (their paths; "@name" for an abstract one,
 * "(unnamed)"), Linux only: [] elsewhere. The IPC channel to a worker is a connected pair, never listening.
 */
export function listeningUnixSockets(pids: readonly number[]): string[] {
  if (!hasProc) return [];
  const inodes = socketInodes(pids);
  let text: string;
  try {
    text = readFileSync('/proc/net/unix', 'utf8');
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // Flags 00010000 is __SO_ACCEPTCON: listen() was called. Inode is the 7th field, the path the 8th.
    if (f[3] === '00010000' && f[6] && inodes.has(f[6])) found.push(f[7] ?? '(unnamed)');
  }
  return found;
}

/**
 * UDP ports bound by any of these processes (Linux: /proc/net/udp and udp6); empty elsewhere. UDP has
 * no listen(): a socket bound to a port receives on it, which is what "listens" means there.
 */
export function boundUdpPorts(pids: readonly number[]): number[] {
  const inodes = socketInodes(pids);
  const ports = new Set<number>();
  for (const f of netRows('udp')) {
    // As in /proc/net/tcp: local_address is HEXIP:HEXPORT, the inode the 10th field.
    const port = parseInt(f[1]?.split(':')[1] ?? '0', 16);
    if (port > 0 && f[9] && inodes.has(f[9])) ports.add(port);
  }
  return [...ports];
}

/** TCP ports in LISTEN state held by any of these processes. */
export function listeningPorts(pids: readonly number[]): number[] {
  if (!hasProc) {
    try {
      const out = execFileSync('lsof', ['-nP', '-a', '-p', pids.join(','), '-iTCP', '-sTCP:LISTEN', '-Fn'], {
        encoding: 'utf8',
      });
      return [...new Set([...out.matchAll(/:(\d+)$/gm)].map((m) => Number(m[1])))];
    } catch {
      return [];
    }
  }
  const inodes = socketInodes(pids);
  const ports = new Set<number>();
  for (const f of tcpRows()) {
    // local_address is HEXIP:HEXPORT, st 0A is LISTEN, inode is the 10th field.
    if (f[3] === '0A' && f[9] && inodes.has(f[9])) ports.add(parseInt(f[1]?.split(':')[1] ?? '0', 16));
  }
  return [...ports];
}

/**
 * Every TCP socket of the machine, IPv4 and IPv6 (Linux: /proc/net/tcp and tcp6), as the fields of
 * its row: [1] local HEXIP:HEXPORT, [2] remote, [3] state (01 established, 0A listen), [4] tx:rx
 * queue, [9] inode. Empty where there is no /proc.
 */
export function tcpRows(): string[][] {
  return netRows('tcp');
}

/** The rows of /proc/net/<kind> and <kind>6 (IPv4 and IPv6), split into fields; empty where there is no /proc. */
function netRows(kind: 'tcp' | 'udp'): string[][] {
  const rows: string[][] = [];
  for (const table of [`/proc/net/${kind}`, `/proc/net/${kind}6`]) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) if (line.trim()) rows.push(line.trim().split(/\s+/));
  }
  return rows;
}
