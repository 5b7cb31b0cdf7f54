// checks/lib/http.ts: the ports a check hands out are claimed machine-wide, so two check processes
// at once never give their programs the same PORT.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { claim, freePort } from '../checks/lib/http.ts';

describe.runIf(process.platform === 'linux')('freePort', () => {
  it('hands out no port that another process has claimed, until that process ends', async () => {
    const port = await freePort();
    // Another process claims a port the way freePort does (a stand-in for a second check)…
    const other = 1 + (await freePort());
    const holder = spawn(process.execPath, ['-e', `require('node:net').createServer().listen({ path: '\\0cluster-workshop-port-${other}' }, () => console.log('held'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
    try {
      expect(await claim(other)).toBe(false);
      // …and this process's own claims stand against everyone else too.
      expect(await claim(port)).toBe(false);
    } finally {
      holder.kill('SIGKILL');
      await new Promise((resolve) => holder.once('exit', resolve));
    }
    // The kernel drops the claim with its process, however it ended.
    expect(await claim(other)).toBe(true);
  });
});
