// The pm2 harness: jlist output is parsed whatever pm2 prints before it, and no pm2 daemon, app
// or PM2_HOME folder survives a check — when it passes, when it times out, when it is cancelled.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../checks/lib/check.ts';
import { defineCheck, freePort, parseJlist, request, sleep, startPm2, type Pm2 } from '../checks/lib/index.ts';
import { checkLesson, pm2Survivors } from '../checks/lib/runner.ts';
import { leftovers, lesson, solutionOf } from './helpers.ts';

const solution = solutionOf('06');

describe('parseJlist', () => {
  const app = { pid: 42, name: 'a', pm_id: 0, pm2_env: { status: 'online', exec_mode: 'cluster_mode', exec_interpreter: 'node', node_args: ['--import', 'tsx'], pm_exec_path: '/x/server.ts', restart_time: 0, env: { PORT: '3000' } } };

  it('finds the list after the banner and [PM2] lines a daemon start prints', () => {
    const out = ['', '   ___ banner [with brackets] ___', '[PM2] Spawning PM2 daemon with pm2_home=/tmp/x', '[PM2] PM2 Successfully daemonized', JSON.stringify([app]), ''].join('\n');
    expect(parseJlist(out)).toEqual([
      { name: 'a', pmId: 0, pid: 42, status: 'online', execMode: 'cluster_mode', interpreter: 'node', nodeArgs: ['--import', 'tsx'], script: '/x/server.ts', restarts: 0, port: '3000' },
    ]);
  });

  it('reads an empty list, and says undefined when there is no list', () => {
    expect(parseJlist('[]\n')).toEqual([]);
    expect(parseJlist('[PM2][ERROR] something went wrong\n')).toBeUndefined();
  });
});

describe('pm2 clean-up', () => {
  it('a check that times out while pm2 runs leaves no daemon, no app and no PM2_HOME', async () => {
    let pm2: Pm2 | undefined;
    let port = 0;
    const hang = defineCheck({
      timeoutMs: 6000,
      async run(t) {
        port = await freePort();
        pm2 = startPm2(t, { env: { PORT: String(port) } });
        await pm2.run(['start', join(solution, 'ecosystem.config.cjs')]);
        await new Promise(() => {}); // never ends: the runner's time bound must
      },
    });
    const r = await runCheck({ id: 'test-pm2-timeout', title: 'pm2 timeout' }, hang, solution);
    expect(r.stoppedEarly).toBe('time ran out');
    expect(pm2).toBeDefined();
    expect(existsSync(pm2?.home ?? ''), 'PM2_HOME removed').toBe(false);
    expect(pm2Survivors()).toEqual([]);
    await expect(request(port, '/', { timeoutMs: 500 })).rejects.toThrow(/refused/);
    // After clean-up, a late pm2 command from the abandoned check starts nothing.
    const late = await pm2?.run(['jlist']);
    expect(late?.code).toBeNull();
    expect(existsSync(pm2?.home ?? ''), 'no PM2_HOME made again').toBe(false);
  });

  it('a check cancelled in the middle (watch mode saw a save) leaves nothing either', async () => {
    const controller = new AbortController();
    const running = checkLesson(lesson('06'), solution, { signal: controller.signal });
    // Cancel once pm2 has started something, wherever the check is then.
    for (let i = 0; i < 600 && pm2Survivors().length < 3; i++) await sleep(50);
    expect(pm2Survivors().length, 'pm2 started its daemon and instances').toBeGreaterThanOrEqual(3);
    await sleep(1500);
    controller.abort();
    const r = await running;
    expect(r.stoppedEarly).toBeTruthy();
    expect(pm2Survivors()).toEqual([]);
    expect(leftovers(solution)).toEqual([]);
  });
});
