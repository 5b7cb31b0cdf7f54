// Which processes a learner's program started, recorded from inside it by spawn-log.cjs: the only
// way to tell "forked nothing" from "forked, then exited before the workers showed" that does not
// race with the orphans (see spawn-log.cjs). A check passes `env` to t.spawn() and reads `starts()`.
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

export class SpawnLog {
  readonly file = join(tmpdir(), `workshop-spawns-${randomUUID()}.jsonl`);
  /** Environment for t.spawn() (preload.ts). */
  readonly env: Readonly<Record<string, string>> = preloadEnv('spawn-log.cjs', { WORKSHOP_SPAWN_LOG: this.file });

  /** Every process started so far (tsx's esbuild helper among them, on a cold tsx cache). */
  starts(): SpawnRecord[] {
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
      .map((line) => JSON.parse(line) as SpawnRecord);
  }

  /**
   * The Node processes started so far: cluster.fork() and child_process.fork() run
   * process.execPath, the same node as the check's. A helper such as `nproc` or esbuild is no worker.
   */
  forks(): SpawnRecord[] {
    return this.starts().filter((r) => r.file === process.execPath || /^node(\.exe)?$/.test(basename(r.file)));
  }

  remove(): void {
    rmSync(this.file, { force: true });
  }
}
