// The harness's one entry for the runners: check this lesson's folder, get a result object.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCheck, type CheckDefinition } from './check.ts';
import { root } from './paths.ts';
import type { CheckResult } from './types.ts';

export { defineCheck, type CheckContext } from './check.ts';
export { unmet, Fatal } from './errors.ts';
export { sleep, request, pidOf, freePort, RequestFailed, type Reply } from './http.ts';
export { cpuTimeMs, childrenOf, groupMembers, isAlive, listProcesses } from './proc.ts';
export { schedTimes, type SchedTimes } from './schedstat.ts';
export { isToolchainHelper } from './command-name.ts';
export { startLoad, summarize, describeFailures, Load, type LoadOptions, type LoadSample, type LoadReport } from './load.ts';
export { startNginx, requireNginx, fillTemplate, type Nginx } from './nginx.ts';
export { startRedis, requireRedis, type Redis } from './redis.ts';
export { startPm2, pm2Survivors, pm2TypeScript, parseJlist, Pm2, type Pm2Process, type Pm2Run } from './pm2.ts';
export type { App } from './app.ts';
export type { Program } from './program.ts';
export type { CheckResult, Expectation } from './types.ts';
export { formatResult } from './report.ts';
export { killAllNow, startedGroups } from './program.ts';
export { root } from './paths.ts';

/** Run a lesson's check on a folder. Aborting `signal` cancels it (its processes are killed). */
export async function checkLesson(
  lesson: { readonly id: string; readonly title: string },
  dir: string,
  signal?: AbortSignal,
): Promise<CheckResult> {
  const mod = (await import(pathToFileURL(join(root, 'checks', `${lesson.id}.ts`)).href)) as { default: CheckDefinition };
  return runCheck(lesson, mod.default, dir, signal);
}
