// Bad learner code gets one clear explanation within the time bound, and nothing survives it.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../checks/lib/check.ts';
import { defineCheck, sleep, unmet } from '../checks/lib/index.ts';
import { root } from '../checks/lib/runner.ts';
import { resultView } from '../scripts/views/result.ts';
import { check, leftovers, solutionOf, variantsDir } from './helpers.ts';


const broken = (name: string): string => join(variantsDir, 'broken', name);

describe('the check on broken programs', () => {
  const cases: [name: string, says: RegExp, withinMs: number][] = [
    ['type-error', /tsc found type errors[\s\S]*server\.ts\(5,7\)[\s\S]*TS2322/, 8000],
    ['crash-at-start', /exited with code 1 before it answered[\s\S]*SyntaxError/, 8000],
    ['never-listens', /nothing answered on 127\.0\.0\.1:\d+ within 10 s[\s\S]*ready \(but not listening\)/, 16000],
    ['wrong-port', /it listens on port \d+, but the check gave it PORT=\d+/, 8000],
    ['hangs', /GET \/ got no answer within 2 s, three times/, 12000],
  ];
  for (const [name, says, withinMs] of cases) {
    it(`explains ${name} in one message, within ${withinMs / 1000} s`, async () => {
      const r = await check('01', broken(name));
      expect(r.ok).toBe(false);
      expect(r.stoppedEarly, r.text).toBeTruthy();
      const failed = r.expectations.filter((e) => !e.ok);
      expect(failed, r.text).toHaveLength(1);
      expect(`${failed[0]?.seen}`, r.text).toMatch(says);
      expect(failed[0]?.hint, r.text).toBeTruthy();
      expect(r.durationMs).toBeLessThan(withinMs);
      expect(r.leftovers, 'processes left running').toEqual([]);
    });
  }
});

describe('a folder outside the workshop', () => {
  it('is checked as if it were inside (its imports resolve), and its copy is removed', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'learner-'));
    try {
      cpSync(solutionOf('01'), outside, { recursive: true });
      const r = await check('01', outside);
      expect(r.ok, r.text).toBe(true);
      expect(r.dir).toBe(outside);
      expect(r.leftovers, 'processes left running').toEqual([]);
      expect(readdirSync(join(root, '.workshop', 'outside'))).toEqual([]);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('npm run check (the command)', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'scripts/cli.ts', 'check', ...args], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, WORKSHOP_HOME: join(root, '.workshop', 'test-home'), NO_COLOR: '1' },
    });

  it('exits 2 with one line on an unknown lesson or flag', () => {
    for (const args of [['99'], ['1', '--bogus'], ['1', '2']]) {
      const r = run(...args);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')[0]).toMatch(/^✖ /);
    }
  });

  it('exits 0 on a passing folder and prints the result as JSON with --json', () => {
    const r = run('01-single-thread', '--solution', '--json');
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { ok: boolean; lesson: { id: string }; expectations: { name: string; ok: boolean }[] };
    expect(result.ok).toBe(true);
    expect(result.lesson.id).toBe('01-single-thread');
    expect(result.expectations.length).toBeGreaterThan(3);
  });

  it('exits 1 on a failing folder given with --dir, and names what failed', () => {
    const r = run('1', '--dir', join(variantsDir, '01-single-thread', 'wrong-timer'));
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('✗ GET /work?n=');
    expect(r.stdout).toContain('hint');
  });
});

describe('a run that stops at a verdict (stopWhen: the suite on wrong programs)', () => {
  it('records nothing after the verdict or beside it, starts nothing more, and leaves nothing running', async () => {
    let lateStart: unknown = 'not tried';
    const def = defineCheck({
      timeoutMs: 30_000,
      async run(t) {
        const app = await t.start();
        await Promise.all([
          t.expect('beside it', 'h', async () => {
            await sleep(1500); // still running when the verdict comes
            try {
              await t.spawnApp();
              lateStart = 'started';
            } catch (err) {
              lateStart = err;
            }
          }),
          t.expect('the failing one', 'h', async () => {
            await app.get('/');
            unmet('something', 'something else');
          }),
        ]);
        await t.expect('after it', 'h', async () => undefined);
      },
    });
    const dir = solutionOf('02');
    const r = await runCheck({ id: 'stop-when', title: 'stop when' }, def, dir, { stopWhen: (e) => !e.ok });
    expect(r.expectations.map((e) => `${e.ok ? '✓' : '✗'} ${e.name}`)).toEqual(['✓ the TypeScript compiles', '✓ server.ts starts and answers GET / on PORT', '✗ the failing one']);
    expect(r.ok).toBe(false);
    expect(r.stoppedEarly).toMatch(/the failing one/);
    await sleep(2000); // the branch beside it wakes up after the clean-up: it must start nothing
    expect(lateStart).not.toBe('started');
    expect(leftovers(dir)).toEqual([]);
  });
});

describe('t.stopHere(): a check that ends after a ✗ the rest depends on', () => {
  const def = (fail: boolean) =>
    defineCheck({
      timeoutMs: 10_000,
      async run(t) {
        const got = await t.expect('the one the rest needs', 'h', async () => (fail ? unmet('something', 'something else') : true));
        if (!got) return t.stopHere();
        await t.expect('a later one', 'h', async () => undefined);
      },
    });

  it('says that the later expectations were not tried', async () => {
    const r = await runCheck({ id: 'stop-here', title: 'stop here' }, def(true), solutionOf('02'));
    expect(r.expectations.map((e) => e.name)).toEqual(['the one the rest needs']);
    expect(r.stoppedEarly).toBe('the rest needs the ✗ above');
    expect(resultView(r).stopped).toBe('The check stopped early (the rest needs the ✗ above); later expectations were not tried.');
  });

  it('is not reached when the line holds', async () => {
    const r = await runCheck({ id: 'stop-here', title: 'stop here' }, def(false), solutionOf('02'));
    expect(r.ok).toBe(true);
    expect(r.stoppedEarly).toBeUndefined();
  });
});
