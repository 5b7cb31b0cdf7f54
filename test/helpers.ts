// Shared by the tests: run a lesson's check on a folder, and prove nothing was left running.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { findLesson, lessonPaths, type Lesson } from '../course.ts';
import { checkLesson, formatResult, groupMembers, listProcesses, pm2Survivors, pm2TypeScript, root, startedGroups, type CheckResult } from '../checks/lib/index.ts';

export const variantsDir = join(root, 'test', 'variants');

export function lesson(ref: string): Lesson {
  const found = findLesson(ref);
  if (!found) throw new Error(`no lesson ${ref}`);
  return found;
}

/**
 * Run `ref`'s check on `dir`; the formatted result rides along for readable assertion messages,
 * and so do the processes it left behind (there must be none).
 */
export async function check(ref: string, dir: string): Promise<CheckResult & { readonly text: string; readonly leftovers: number[] }> {
  const result = await checkLesson(lesson(ref), dir);
  return { ...result, text: formatResult(result), leftovers: leftovers(dir) };
}

/**
 * Live processes a check may have left: members of any process group the harness started in this
 * test process, anything whose working folder is inside `dir`, and any pm2 daemon or app of a
 * PM2_HOME the harness made. Zombies do not count (this container's init does not reap them).
 */
export function leftovers(dir: string): number[] {
  const fromGroups = [...startedGroups].flatMap((pgid) => groupMembers(pgid));
  return [...new Set([...fromGroups, ...processesIn(dir), ...pm2Survivors()])].sort();
}

export const solutionOf = (ref: string): string => lessonPaths(lesson(ref)).solution;
export const starterOf = (ref: string): string => lessonPaths(lesson(ref)).lesson;

/** Live processes whose working folder is `dir` or below it: what a check must never leave behind. */
export function processesIn(dir: string): number[] {
  return listProcesses()
    .filter((p) => p.state !== 'Z' && p.pid !== process.pid)
    .filter((p) => {
      try {
        return readlinkSync(`/proc/${p.pid}/cwd`).startsWith(dir);
      } catch {
        return false;
      }
    })
    .map((p) => p.pid);
}

export interface Variant {
  readonly name: string;
  readonly dir: string;
  /** `ok-*` variants are right-but-different programs that must pass; `wrong-*` ones must fail. */
  readonly shouldPass: boolean;
  /** For a wrong variant: a part of the name of the expectation that must fail (its `// fails:` line). */
  readonly fails?: string;
}

/** The variants kept for a lesson under test/variants/<id>/: each folder one program. */
export function variantsOf(id: string): Variant[] {
  let names: string[];
  try {
    names = readdirSync(join(variantsDir, id)).sort();
  } catch {
    return [];
  }
  return names.map((name) => {
    const dir = join(variantsDir, id, name);
    let text = '';
    try {
      text = readFileSync(join(dir, 'server.ts'), 'utf8');
    } catch {
      text = '';
    }
    // `// fails-on-node20: <expectation>`: right where Node runs .ts itself (22.18+), wrong on Node 20,
    // where pm2 7 refuses a .ts without interpreter lines. The verdict follows the running Node.
    const onNode20 = /\/\/ fails-on-node20: (.+)/.exec(text)?.[1]?.trim();
    if (onNode20 && pm2TypeScript() === false) return { name, dir, shouldPass: false, fails: onNode20 };
    const fails = /\/\/ fails: (.+)/.exec(text)?.[1]?.trim();
    return { name, dir, shouldPass: name.startsWith('ok-'), ...(fails ? { fails } : {}) };
  });
}
