// The lesson a command is about: the one named (`3`, `03`, `03-cpu-count`), else the current one
// (the first not passed; undefined when every lesson has passed).
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Lesson } from '../course.ts';
import { UsageError } from './errors.ts';
import type { Workshop } from './workshop.ts';

export interface Picked {
  readonly lesson: Lesson;
  /** The learner named it (else it is the current lesson). */
  readonly named: boolean;
}

export function pickLesson(ws: Workshop, positionals: readonly string[]): Picked | undefined {
  const ref = positionals[0];
  if (ref === undefined) {
    const lesson = ws.current();
    return lesson && { lesson, named: false };
  }
  return { lesson: namedLesson(ws, ref), named: true };
}

/** The lesson the learner named, or a usage error that lists the lessons. */
export function namedLesson(ws: Workshop, ref: string): Lesson {
  const lesson = ws.find(ref);
  if (!lesson) throw new UsageError(`no lesson "${ref}"; the lessons are ${ws.lessons.map((l) => l.id).join(', ')}`);
  return lesson;
}

/** The options npm run check and npm run repeat share: which folder to check. */
export const folderOptions = { solution: { type: 'boolean' }, dir: { type: 'string' } } as const;

export interface Target extends Picked {
  readonly dir: string;
  /** Progress moves on only when the learner's own folder passed. */
  readonly ownFolder: boolean;
}

export function pickTarget(ws: Workshop, positionals: readonly string[], values: { solution?: boolean | undefined; dir?: string | undefined }): Target | undefined {
  if (values.solution && values.dir) throw new UsageError('--solution and --dir do not go together');
  const picked = pickLesson(ws, positionals);
  if (!picked) return undefined;
  const dir = values.dir ? resolve(values.dir) : values.solution ? ws.solutionDir(picked.lesson) : ws.learnerDir(picked.lesson);
  // A mistyped --dir under test/variants/ would otherwise be built as the solution with nothing changed, and pass.
  if (values.dir && !statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--dir ${values.dir}: no such folder`);
  return { ...picked, dir, ownFolder: !values.dir && !values.solution };
}
