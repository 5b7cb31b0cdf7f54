// Which lesson a command is about, and where the learner's files of it are.
// WORKSHOP_LESSONS_DIR moves the learner's lesson folders (default <workshop>/lessons): the tests
// point it at a temporary copy so that they never touch the real lessons/.
import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { findLesson, lessonPaths, lessons, type Lesson } from '../course.ts';
import { root } from '../checks/lib/index.ts';
import { UsageError } from './cli.ts';
import { currentLesson, loadProgress } from './progress.ts';

export function lessonsDir(): string {
  const moved = process.env.WORKSHOP_LESSONS_DIR;
  return moved ? resolve(moved) : join(root, 'lessons');
}

/** The folder the learner edits for this lesson. */
export function learnerDir(lesson: Lesson): string {
  return process.env.WORKSHOP_LESSONS_DIR ? join(lessonsDir(), lesson.id) : lessonPaths(lesson).lesson;
}

/** A path as the learner would type it from where they are (absolute when it is elsewhere). */
export function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

/** A lesson folder's own files (relative paths, sorted): what the learner edits, so not the README. */
export function lessonFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && !ignored(relative(dir, join(e.parentPath, e.name))))
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/**
 * Not the learner's work: the README, installed packages, and what editors and tools leave around
 * (swap and backup files, vim's `4913` write test, logs, dotfiles).
 */
export function ignored(rel: string): boolean {
  const parts = rel.split(/[\\/]/);
  const name = parts.at(-1) ?? '';
  if (parts.some((p) => p === 'node_modules' || (p.startsWith('.') && p !== '.' && p !== '..'))) return true;
  return rel === 'README.md' || name === '4913' || /(~|\.swp|\.swx|\.tmp|\.log)$/.test(name) || name.startsWith('#');
}

/**
 * The lesson a command means: the one named (`3`, `03`, `03-cpu-count`), else the current one
 * from progress (undefined when every lesson has passed). A corrupt progress file is reported.
 */
export function resolveLesson(ref: string | undefined): Lesson | undefined {
  if (ref !== undefined) {
    const lesson = findLesson(ref);
    if (!lesson) throw new UsageError(`no lesson "${ref}"; the lessons are ${lessons.map((l) => l.id).join(', ')}`);
    return lesson;
  }
  const progress = loadProgress();
  if (progress.warning) console.error(progress.warning);
  return currentLesson(progress);
}

/** At most one positional argument: the lesson. */
export function oneLesson(positionals: readonly string[]): string | undefined {
  if (positionals.length > 1) throw new UsageError(`one lesson at a time, not ${positionals.join(' ')}`);
  return positionals[0];
}
