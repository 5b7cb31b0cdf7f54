// The harness's entry for its runners (scripts/ and the tests): check a lesson's folder, get a
// result object; and the process bookkeeping a runner needs on its way out. Check authors use
// ./index.ts instead.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCheck, type CheckDefinition, type RunOptions } from './check.ts';
import { root } from './paths.ts';
import type { CheckResult } from './types.ts';

export type { CheckResult, Expectation, TimelineEvent } from './types.ts';
export { RequestFailed } from './http.ts';
export { closeResetsUnread } from './node-behaviour.ts';
export { killAllNow, reaper, survivors, Group, type ExitInfo } from './group.ts';
export { pm2Survivors, pm2TypeScript } from './pm2.ts';
export { root } from './paths.ts';
export { copyPrefixes, filesUnder, runnable, variantsDir } from './runnable.ts';
export type { RunOptions } from './check.ts';

/**
 * Run a lesson's check (checks/<id>.ts) on a folder. `options`: a `signal` that cancels it, `onEvent`
 * for each timeline event as it happens, `stopWhen` to end it at a verdict (see RunOptions).
 */
export async function checkLesson(lesson: { readonly id: string; readonly title: string }, dir: string, options: RunOptions = {}): Promise<CheckResult> {
  const mod = (await import(pathToFileURL(join(root, 'checks', `${lesson.id}.ts`)).href)) as { default: CheckDefinition };
  return runCheck(lesson, mod.default, dir, options);
}
