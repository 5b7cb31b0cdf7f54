// When a learner's primary took in each worker's 'listening', recorded from inside it by
// listening-log.cjs. A check passes `env` to t.spawn() and reads `at(pid)`.
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preloadEnv } from './preload.ts';

export class ListeningLog {
  readonly file = join(tmpdir(), `workshop-listening-${randomUUID()}.log`);
  /** Environment for t.spawn() (preload.ts). */
  readonly env: Readonly<Record<string, string>> = preloadEnv('listening-log.cjs', { WORKSHOP_LISTENING_LOG: this.file });

  /** The Date.now() at which the primary took in `pid`'s 'listening', once it has. */
  at(pid: number): number | undefined {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return undefined;
    }
    for (const line of text.split('\n').slice(0, -1)) {
      const [who, when] = line.split(' ').map(Number);
      if (who === pid && when !== undefined) return when;
    }
    return undefined;
  }

  remove(): void {
    rmSync(this.file, { force: true });
  }
}
