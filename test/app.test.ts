// checks/lib/app.ts on a real cluster (lesson 02's solution): the helpers every check asks through.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { App, inParallel } from '../checks/lib/app.ts';
import { freePort } from '../checks/lib/http.ts';
import { Program } from '../checks/lib/program.ts';
import { survivors } from '../checks/lib/runner.ts';
import { solutionOf } from './helpers.ts';

describe('App', () => {
  it('counts the workers that answer, tells new workers apart, and words its exit', async () => {
    const port = await freePort();
    const app = new App(new Program({ dir: solutionOf('02'), entry: 'server.ts', env: { ...process.env, NODE_OPTIONS: undefined, PORT: String(port) } }), port);
    try {
      expect(await app.answering(20_000)).toBe(true);
      const census = await app.census({ want: 2, deadlineMs: 20_000 });
      expect(census.workers).toHaveLength(2);
      expect([...census.answered].sort()).toEqual([...census.workers].sort());
      expect(census.primaryAnswered).toBe(false);
      expect(app.newWorkers(census.workers)).toEqual([]);
      const round = await app.pidRound(4);
      expect(round.pids.every((pid) => census.workers.includes(pid))).toBe(true);
      expect(app.exitText()).toBe('is still running');
      app.program.signalGroup('SIGKILL');
      await app.program.exited;
      expect(app.exitText()).toBe('was killed by SIGKILL');
      expect(app.died('the primary')).toMatch(/^the primary was killed by SIGKILL\. Its last output:\n/);
      expect(await app.answering(500)).toBe(false);
    } finally {
      await app.program.stop();
    }
    expect(survivors()).toEqual([]);
  }, 60_000);

  it('census counts workers forked one after another, and settles soon on fewer than wanted', async () => {
    // A primary that forks each next worker 150 ms after the last one listens: the census must not
    // settle between one worker's first answers and the next fork (it waits 0.6 s of the same ones).
    const dir = mkdtempSync(join(tmpdir(), 'census-'));
    writeFileSync(
      join(dir, 'server.mjs'),
      `import cluster from 'node:cluster';
import http from 'node:http';
const count = Number(process.env.COUNT);
if (cluster.isPrimary) {
  const next = () => { if (Object.keys(cluster.workers).length < count) cluster.fork().once('listening', () => setTimeout(next, 150)); };
  next();
} else {
  http.createServer((_req, res) => res.end(JSON.stringify({ pid: process.pid }))).listen(Number(process.env.PORT), '127.0.0.1');
}
`,
    );
    const start = async (count: number): Promise<App> => {
      const port = await freePort();
      return new App(new Program({ dir, entry: 'server.mjs', env: { ...process.env, NODE_OPTIONS: undefined, PORT: String(port), COUNT: String(count) } }), port);
    };
    const [three, two] = await Promise.all([start(3), start(2)]);
    try {
      // Each census from the first answer on, while later workers are still to come.
      const [all, fewer] = await Promise.all([
        (async () => {
          expect(await three.answering(20_000)).toBe(true);
          return three.census({ want: 3, deadlineMs: 20_000 });
        })(),
        (async () => {
          expect(await two.answering(20_000)).toBe(true);
          const since = performance.now();
          const census = await two.census({ want: 3, deadlineMs: 20_000 });
          return { census, ms: performance.now() - since };
        })(),
      ]);
      expect(all.workers).toHaveLength(3);
      expect([...all.answered].sort()).toEqual([...all.workers].sort());
      expect(fewer.census.workers).toHaveLength(2);
      // Settled once its two workers had answered for 0.6 s, far short of the 20 s deadline.
      expect(fewer.ms).toBeLessThan(10_000);
    } finally {
      await Promise.all([three.program.stop(), two.program.stop()]);
      rmSync(dir, { recursive: true, force: true });
    }
    expect(survivors()).toEqual([]);
  }, 60_000);

  it('inParallel keeps at most `concurrency` calls running', async () => {
    let running = 0;
    let most = 0;
    const out = await inParallel(10, 3, async () => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return 1;
    });
    expect(out).toHaveLength(10);
    expect(most).toBe(3);
  });
});
