// Shared by the tests: run a lesson's check on a folder, and prove nothing was left running.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { variantsDir, variantVerdict } from '../scripts/variants.ts';
import { join } from 'node:path';
import { findLesson, type Lesson } from '../course.ts';
import { formatResult } from '../scripts/views/result.ts';
import { openWorkshop } from '../scripts/workshop.ts';
import { listProcesses } from '../checks/lib/index.ts';
import { procStat } from '../checks/lib/proc.ts';
import { checkLesson, copyPrefixes, survivors, type CheckResult, type RunOptions } from '../checks/lib/runner.ts';

export { variantsDir };

export function lesson(ref: string): Lesson {
  const found = findLesson(ref);
  if (!found) throw new Error(`no lesson ${ref}`);
  return found;
}

/**
 * Run `ref`'s check on `dir`; the formatted result rides along for readable assertion messages,
 * and so do the processes it left behind (there must be none).
 */
export async function check(ref: string, dir: string, options: RunOptions = {}): Promise<CheckResult & { readonly text: string; readonly leftovers: string[] }> {
  const result = await checkLesson(lesson(ref), dir, options);
  return { ...result, text: formatResult(result), leftovers: leftovers(dir) };
}

/**
 * Live processes a check may have left: members of any process group the harness started in this
 * test process, any process of a PM2_HOME it made (the reaper's survivors()), and anything whose
 * working folder is inside `dir` or the copies the runner runs a variant or an outside folder from
 * (checks/lib/runnable.ts), or whose command line names one of them.
 */
export function leftovers(dir: string): string[] {
  const pids = [...new Set([...survivors(), ...[dir, ...copyPrefixes(dir)].flatMap((d) => processesAbout(d).map((p) => p.pid))])].sort((a, b) => a - b);
  return pids.map(describeProcess);
}

/** A pid as a failed assertion should show it: what it runs, where, in which group, its state. */
function describeProcess(pid: number): string {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim().slice(0, 160);
    const stat = procStat(pid);
    return `${pid} ${cmd} (cwd ${readlinkSync(`/proc/${pid}/cwd`)}, pgid ${stat?.pgid ?? '?'}, ppid ${stat?.ppid ?? '?'}, state ${stat?.state ?? '?'})`;
  } catch {
    return `${pid} (gone as we looked)`;
  }
}

/** The folders as the workshop ships them (no WORKSHOP_* variable moves them). */
const shipped = openWorkshop({});
export const solutionOf = (ref: string): string => shipped.solutionDir(lesson(ref));
export const starterOf = (ref: string): string => shipped.starterDir(lesson(ref));

/**
 * The tests' one look at the process table for what was left behind: live processes (zombies do
 * not count: this container's init does not always reap them; this process neither) whose working
 * folder is `about` or below it, or whose command line names it (the learner's programs, tsc,
 * Chromium with its profile folder), or whose environment holds `marker` (a variable set only for
 * the command under test, inherited by all it starts).
 */
export function findProcesses(look: { readonly about?: string; readonly marker?: string }): { pid: number; what: string }[] {
  const found: { pid: number; what: string }[] = [];
  for (const p of listProcesses()) {
    if (p.state === 'Z' || p.pid === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const about = look.about !== undefined && (readlinkSync(`/proc/${p.pid}/cwd`).startsWith(look.about) || cmd.includes(look.about));
      const marked = look.marker !== undefined && readFileSync(`/proc/${p.pid}/environ`, 'utf8').split('\0').includes(look.marker);
      if (about || marked) found.push({ pid: p.pid, what: cmd.slice(0, 200) });
    } catch {
      // Gone while we looked, or not ours to read.
    }
  }
  return found;
}

/** Live processes that run in `dir` or name it on their command line. */
export const processesAbout = (dir: string): { pid: number; what: string }[] => findProcesses({ about: dir });

/** Live processes whose environment holds `marker`. */
export const processesMarked = (marker: string): { pid: number; what: string }[] => findProcesses({ marker });

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
    return { name, dir, ...variantVerdict(dir) };
  });
}
