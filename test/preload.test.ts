// Preloads into a learner's program: several in one spawn must all load (a spread of two envs kept
// only the last NODE_OPTIONS, and with it only one preload).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { fakeCoresEnv, slowIpcEnv, withPreloads } from '../checks/lib/index.ts';

const probe = `console.log(JSON.stringify({ cores: require('node:os').availableParallelism(), loaded: Object.keys(require.cache).map((f) => require('node:path').basename(f)) }))`;

function run(env: Readonly<Record<string, string>>): { cores: number; loaded: string[] } {
  const out = spawnSync(process.execPath, ['-e', probe], { env: { ...process.env, ...env }, encoding: 'utf8' });
  expect(out.status, out.stderr).toBe(0);
  return JSON.parse(out.stdout) as { cores: number; loaded: string[] };
}

describe('withPreloads', () => {
  it('loads every preload it is given, with each one\'s settings', () => {
    const seen = run(withPreloads(slowIpcEnv(100), fakeCoresEnv(5)));
    expect(seen.cores).toBe(5);
    expect(seen.loaded).toEqual(expect.arrayContaining(['slow-ipc.cjs', 'fake-cores.cjs']));
  });

  it('is what a spread of two is not', () => {
    const spread = run({ ...fakeCoresEnv(5), ...slowIpcEnv(100) });
    expect(spread.loaded).not.toContain('fake-cores.cjs');
  });
});
