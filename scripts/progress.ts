// Progress: which lessons have passed, in one gitignored file. Deleting it starts over; a file
// that cannot be read is reported and rebuilt, never a crash.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { lessons, type Lesson } from '../course.ts';
import { root } from '../checks/lib/paths.ts';

/** The workshop's own state (progress, backups). WORKSHOP_HOME moves it, for tests. */
export const stateDir = process.env.WORKSHOP_HOME ?? join(root, '.workshop');
export const progressFile = join(stateDir, 'progress.json');

interface ProgressData {
  passed: string[];
}

export interface Progress {
  readonly passed: ReadonlySet<string>;
  /** Set when the file was there but unreadable (and has been set aside). */
  readonly warning?: string;
}

export function loadProgress(file = progressFile): Progress {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { passed: new Set() };
  }
  try {
    const data = JSON.parse(text) as Partial<ProgressData>;
    if (!Array.isArray(data.passed) || !data.passed.every((x) => typeof x === 'string')) throw new Error('no "passed" list');
    const known = new Set(lessons.map((l) => l.id));
    return { passed: new Set(data.passed.filter((id) => known.has(id))) };
  } catch (err) {
    const aside = `${file}.corrupt`;
    try {
      renameSync(file, aside);
    } catch {
      // Nothing to set aside.
    }
    try {
      save(new Set(), file); // rebuilt at once, so the warning is shown once
    } catch {
      // A read-only folder: progress simply is not kept.
    }
    return {
      passed: new Set(),
      warning: `Your progress file could not be read (${(err as Error).message}); it was moved to ${aside} and progress starts over.`,
    };
  }
}

function save(passed: ReadonlySet<string>, file: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const data: ProgressData = { passed: lessons.map((l) => l.id).filter((id) => passed.has(id)) };
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(data, null, 2) + '\n');
  renameSync(tmp, file); // atomic: a crash mid-write never leaves half a file
}

export function markPassed(id: string, file = progressFile): void {
  const passed = new Set(loadProgress(file).passed);
  passed.add(id);
  save(passed, file);
}

/** Forget that a lesson passed (`npm run reset` starts it over). */
export function markPending(id: string, file = progressFile): void {
  const passed = new Set(loadProgress(file).passed);
  if (!passed.delete(id)) return;
  save(passed, file);
}

/** The first lesson, in course order, that has not passed; undefined when all have. */
export function currentLesson(progress: Progress): Lesson | undefined {
  return lessons.find((l) => !progress.passed.has(l.id));
}
