// What a learner's primary took in from its workers, recorded from inside it by cluster-log.cjs:
// when it forked each one, and when each one's 'listening' and 'exit' came; and when each worker's
// code called listen(). A check passes `env` to t.spawn() (or the log to pauseOnlineEnv, whose
// preload loads it too, and adds the workers it holds) and reads `listening(pid)`, `exited(pid)`,
// `forksAfterExit(n)`, `listenCalls()` and `held()`.
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preloadEnv } from './preload.ts';

export class ClusterLog {
  readonly file = join(tmpdir(), `workshop-cluster-${randomUUID()}.log`);
  /** Environment for t.spawn() (preload.ts). */
  readonly env: Readonly<Record<string, string>>;

  /** `lingerAfterDisconnectMs`: each worker stays alive this long after its IPC channel closes (see cluster-log.cjs). */
  constructor({ lingerAfterDisconnectMs }: { readonly lingerAfterDisconnectMs?: number } = {}) {
    this.env = preloadEnv('cluster-log.cjs', { WORKSHOP_CLUSTER_LOG: this.file, ...(lingerAfterDisconnectMs ? { WORKSHOP_LINGER_AFTER_DISCONNECT_MS: String(lingerAfterDisconnectMs) } : {}) });
  }

  /** The Date.now() at which the primary took in `pid`'s 'listening', once it has. */
  listening(pid: number): number | undefined {
    return this.find('l', pid);
  }

  /** The Date.now() at which the primary took in `pid`'s 'exit', once it has. */
  exited(pid: number): number | undefined {
    return this.find('x', pid);
  }

  /**
   * The `n`-th worker exit the primary took in (from 1), and the workers it forked after it, in the
   * order the primary met them (the log's lines, not their clocks); undefined before that exit.
   */
  forksAfterExit(n: number): { readonly exited: number; readonly forked: number[] } | undefined {
    const lines = this.lines();
    const workers = new Set(lines.filter((l) => l.kind === 'f').map((l) => l.pid)); // not tsx's esbuild
    const at = lines.map((l, i) => (l.kind === 'x' && workers.has(l.pid) ? i : -1)).filter((i) => i >= 0)[n - 1];
    if (at === undefined) return undefined;
    return { exited: lines[at]!.pid, forked: lines.slice(at + 1).filter((l) => l.kind === 'f').map((l) => l.pid) };
  }

  /** The workers pause-online.cjs holds paused until the check lets them go (pauseOnlineEnv's `hold`). */
  held(): number[] {
    return this.lines('h').map((l) => l.pid);
  }

  /** The Date.now() at which each worker's code first called listen(), in the worker's own turn. */
  listenCalls(): { readonly pid: number; readonly at: number }[] {
    return this.lines('c');
  }

  /**
   * Whether the primary forked `pid` with cluster.fork() (its 'fork' event). Exact where the process
   * table is not: tsx's esbuild service, caught in the middle of its exec, still reads as `node`.
   */
  forked(pid: number): boolean {
    return this.find('f', pid) !== undefined;
  }

  /** The Date.now() at which the program itself (not a worker) first called listen(), if it did. */
  ownListen(): number | undefined {
    return this.lines('p')[0]?.at;
  }

  private find(kind: string, pid: number): number | undefined {
    return this.lines(kind).find((l) => l.pid === pid)?.at;
  }

  /** The log's lines of one kind, or of every kind, in order. */
  private lines(kind?: string): { kind: string; pid: number; at: number }[] {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return [];
    }
    const found: { kind: string; pid: number; at: number }[] = [];
    for (const line of text.split('\n').slice(0, -1)) {
      const [k, who, when] = line.split(' ');
      if (k !== undefined && (kind === undefined || k === kind) && when !== undefined) found.push({ kind: k, pid: Number(who), at: Number(when) });
    }
    return found;
  }

  remove(): void {
    rmSync(this.file, { force: true });
  }
}
