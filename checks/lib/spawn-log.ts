// Which processes a learner's program started, recorded from inside it by spawn-log.cjs: the only
// way to tell "forked nothing" from "forked, then exited before the workers showed" that does not
// race with the orphans (see spawn-log.cjs); and which of them came after the program's JS was
// handed a signal. A check passes `env` to t.spawn() or t.start() and reads `starts()`, `forks()`
// or `forksAfter()`.
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { preloadEnv } from './preload.ts';

export interface SpawnRecord {
  readonly pid: number | null;
  /** The program started (process.execPath for a fork) and its argv, argv[0] included. */
  readonly file: string;
  readonly args: readonly string[];
}

/** A signal the program's JS was handed (a listener for it ran, or was about to). */
interface SignalRecord {
  readonly signal: string;
}

/** A cluster primary called worker.disconnect() on this worker. */
interface DisconnectRecord {
  readonly disconnect: number;
}

/** cluster.fork() and child_process.fork() run process.execPath, the same node as the check's: a helper such as `nproc` or esbuild is no worker. */
const isFork = (r: SpawnRecord): boolean => r.file === process.execPath || /^node(\.exe)?$/.test(basename(r.file));

export class SpawnLog {
  readonly file = join(tmpdir(), `workshop-spawns-${randomUUID()}.jsonl`);
  /** Environment for t.spawn() (preload.ts). */
  readonly env: Readonly<Record<string, string>> = preloadEnv('spawn-log.cjs', { WORKSHOP_SPAWN_LOG: this.file });

  /** Every line so far, in order: a process started, a signal handed to the program's JS, a worker.disconnect(). */
  private lines(): (SpawnRecord | SignalRecord | DisconnectRecord)[] {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return []; // no file: nothing was started
    }
    // Only whole lines: the last piece is '' when the file ends in a newline, or a line being written.
    return text
      .split('\n')
      .slice(0, -1)
      .map((line) => JSON.parse(line) as SpawnRecord | SignalRecord | DisconnectRecord);
  }

  /** Every process started so far (tsx's esbuild helper among them, on a cold tsx cache). */
  starts(): SpawnRecord[] {
    return this.lines().filter((r): r is SpawnRecord => 'file' in r);
  }

  /** The forks made after the program's JS was first handed `signal` (empty if it never was). */
  forksAfter(signal: NodeJS.Signals): SpawnRecord[] {
    const lines = this.lines();
    const from = lines.findIndex((r) => 'signal' in r && r.signal === signal);
    return from < 0 ? [] : lines.slice(from + 1).filter((r): r is SpawnRecord => 'file' in r && isFork(r));
  }

  /** The workers the primary called worker.disconnect() on so far, in order (a pid once per call). */
  disconnects(): number[] {
    return this.lines().flatMap((r) => ('disconnect' in r ? [r.disconnect] : []));
  }

  /** The Node processes started so far (isFork). */
  forks(): SpawnRecord[] {
    return this.starts().filter(isFork);
  }

  remove(): void {
    rmSync(this.file, { force: true });
  }
}
