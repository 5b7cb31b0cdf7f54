// The learner's files against the solution's: a unified diff per file that differs (`-` yours,
// `+` the solution's), coloured, and nothing but a sentence when they are the same.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import type { Lesson } from '../../course.ts';
import { lessonFiles, type Workshop } from '../workshop.ts';
import { pc } from './colors.ts';

export interface Comparison {
  /** One unified diff per file that differs, uncoloured. Empty when everything matches. */
  readonly patches: readonly string[];
  readonly mine: string;
  readonly solution: string;
}

const read = (path: string): string | undefined => (existsSync(path) ? readFileSync(path, 'utf8') : undefined);

/** Compare every file of the two folders (READMEs and editor leftovers aside). */
export function compareFolders(mine: string, solution: string, shown: (path: string) => string): Comparison {
  const names = [...new Set([...lessonFiles(mine), ...lessonFiles(solution)])].sort();
  const patches: string[] = [];
  for (const name of names) {
    const a = read(join(mine, name));
    const b = read(join(solution, name));
    if (a === b) continue;
    const patch = createTwoFilesPatch(
      shown(join(mine, name)),
      shown(join(solution, name)),
      a ?? '',
      b ?? '',
      a === undefined ? 'not in your folder' : 'yours',
      b === undefined ? 'not in the solution' : 'solution',
      { context: 3 },
    );
    // Line endings alone (CRLF from an editor) would give a patch with no hunk: say nothing then.
    if (patch.includes('\n@@')) patches.push(patch);
  }
  return { patches, mine, solution };
}

/** The diff as the learner reads it: red what only you have, green what only the solution has. */
export function colourPatch(patch: string): string {
  return patch
    .split('\n')
    .filter((line) => !line.startsWith('====='))
    .map((line) => {
      if (line.startsWith('---') || line.startsWith('+++')) return pc.bold(line);
      if (line.startsWith('@@')) return pc.cyan(line);
      if (line.startsWith('-')) return pc.red(line);
      if (line.startsWith('+')) return pc.green(line);
      if (line.startsWith('\\')) return pc.dim(line);
      return line;
    })
    .join('\n');
}

export function formatComparison(lesson: Lesson, c: Comparison, shown: (path: string) => string): string {
  if (c.patches.length === 0) return pc.green(`Your files in ${shown(c.mine)}/ are the same as the solution's: nothing differs.`);
  const legend = `${pc.bold(`${lesson.id}`)}: ${pc.red('- your lines')}  ${pc.green('+ the solution\'s lines')}`;
  return [legend, '', ...c.patches.map(colourPatch)].join('\n').trimEnd();
}

/** What `c` and `npm run compare` print for a lesson. */
export function compareLesson(ws: Workshop, lesson: Lesson): string {
  const solution = ws.solutionDir(lesson);
  const mine = ws.learnerDir(lesson);
  if (!existsSync(solution)) return pc.yellow(`There is no solution for ${lesson.id} yet.`);
  if (!existsSync(mine)) return pc.yellow(`${ws.shown(mine)}/ does not exist: nothing to compare.`);
  return formatComparison(lesson, compareFolders(mine, solution, ws.shown), ws.shown);
}

/** Asked before the solution of a lesson not yet passed is shown: the answer spoils the lesson. */
export function spoilerQuestion(lesson: Lesson): string {
  return `You have not passed ${lesson.id} yet: the diff shows the solution's code. Show it?`;
}
