// Shared by the tests of npm start and its commands: a throw-away copy of lesson folders (the real
// lessons/ are never touched).
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { root, type CheckResult } from '../checks/lib/runner.ts';
import { solutionOf, starterOf } from './helpers.ts';

// The one leftover detector lives in helpers.ts; these names stay for the tests that use them.
export { processesAbout, processesMarked } from './helpers.ts';

/**
 * A temporary lessons folder inside the workshop (so the learner's code finds express and tsx),
 * holding a copy of lesson 01's starter, or of its solution with `from: 'solution'`.
 */
export function tempLessons(from: 'starter' | 'solution' = 'starter'): { readonly dir: string; readonly lesson01: string; remove(): void } {
  const base = join(root, '.workshop');
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(join(base, 'test-lessons-'));
  const lesson01 = join(dir, '01-single-thread');
  cpSync(from === 'starter' ? starterOf('01') : solutionOf('01'), lesson01, { recursive: true });
  return { dir, lesson01, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function waitFor(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A CheckResult as a fake check returns it. */
export function fakeResult(l: { readonly id: string; readonly title: string }, ok: boolean, stoppedEarly?: string): CheckResult {
  return {
    lesson: { id: l.id, title: l.title },
    dir: l.id,
    ok,
    expectations: [{ name: 'the fake expectation', ok, durationMs: 1, ...(ok ? {} : { expected: 'a pass', seen: 'a fail' }) }],
    ...(stoppedEarly ? { stoppedEarly } : {}),
    durationMs: 1,
  };
}
