// checks/lib/app.ts on a real cluster (lesson 02's solution): the helpers every check asks through.
import { describe, expect, it } from 'vitest';
import { App, inParallel } from '../checks/lib/app.ts';
import { freePort } from '../checks/lib/http.ts';
import { Program } from '../checks/lib/program.ts';
import { survivors } from '../checks/lib/runner.ts';
import { solutionOf } from './helpers.ts';

describe('App', () => {
  it('counts the workers that answer, tells new workers apart, and words its exit', async () => {
    const port = await freePort();
    const app = new App(new Program({ cwd: solutionOf('02'), entry: 'server.ts', env: { ...process.env, NODE_OPTIONS: undefined, PORT: String(port) } }), port);
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
