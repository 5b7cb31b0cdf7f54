// checks/lib/progress.ts against real processes: one that sleeps is called idle once its window has
// passed, one that computes never is, and a settled request is given back as it came.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { unlessIdle, type WatchOptions } from '../checks/lib/progress.ts';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

function start(code: string): number {
  const child = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
  children.push(child);
  if (child.pid === undefined) throw new Error('no pid');
  return child.pid;
}

const never = new Promise<never>(() => {});
const WATCH: WatchOptions = { idleMs: 600, busyMs: 100, who: "the test's", pollMs: 50 };

describe.runIf(process.platform === 'linux')('unlessIdle', () => {
  it('calls a process that does nothing idle, once the window has passed', async () => {
    const pid = start('setInterval(() => {}, 10_000)');
    const t0 = Date.now();
    const got = await unlessIdle(() => [pid], never, WATCH);
    expect('idle' in got && got.idle).toMatch(/^for 0.6 s the test's threads ran or waited for a core only \d+ ms in all$/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(600);
  });

  it('never calls a computing process idle', async () => {
    const pid = start('for (;;) {}');
    const timeout = new Promise<'still out'>((r) => setTimeout(() => r('still out'), 2000));
    const got = await unlessIdle(() => [pid], timeout, WATCH);
    expect(got).toEqual({ value: 'still out' });
  });

  it('gives back what the request gave', async () => {
    const pid = start('setInterval(() => {}, 10_000)');
    expect(await unlessIdle(() => [pid], Promise.resolve(42), WATCH)).toEqual({ value: 42 });
    await expect(unlessIdle(() => [pid], Promise.reject(new Error('reset')), WATCH)).rejects.toThrow('reset');
  });
});
