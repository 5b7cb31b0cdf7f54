// npm run compare [-- <lesson>]: a unified diff of the learner's files against the solution's
// (`-` yours, `+` the solution's), coloured, and nothing but a sentence when they are the same.
import './require-node.ts';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createTwoFilesPatch } from 'diff';
import { pc } from '../checks/lib/colors.ts';
import { lessonPaths, type Lesson } from '../course.ts';
import { isEntry, runCommand, UsageError } from './cli.ts';
import { learnerDir, lessonFiles, oneLesson, resolveLesson, shown } from './where.ts';

export interface Comparison {
  /** One unified diff per file that differs, uncoloured. Empty when everything matches. */
  readonly patches: readonly string[];
  readonly mine: string;
  readonly solution: string;
}

const read = (path: string): string | undefined => (existsSync(path) ? readFileSync(path, 'utf8') : undefined);

/** Compare every file of the two folders (READMEs and editor leftovers aside). */
export function compareFolders(mine: string, solution: string): Comparison {
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

export function formatComparison(lesson: Lesson, c: Comparison): string {
  if (c.patches.length === 0) return pc.green(`Your files in ${shown(c.mine)}/ are the same as the solution's: nothing differs.`);
  const legend = `${pc.bold(`${lesson.id}`)}: ${pc.red('- your lines')}  ${pc.green('+ the solution\'s lines')}`;
  return [legend, '', ...c.patches.map(colourPatch)].join('\n').trimEnd();
}

/** What `c` and `npm run compare` print for a lesson. */
export function compareLesson(lesson: Lesson): string {
  const solution = lessonPaths(lesson).solution;
  if (!existsSync(solution)) return pc.yellow(`There is no solution for ${lesson.id} yet.`);
  if (!existsSync(learnerDir(lesson))) return pc.yellow(`${shown(learnerDir(lesson))}/ does not exist: nothing to compare.`);
  return formatComparison(lesson, compareFolders(learnerDir(lesson), solution));
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ allowPositionals: true, options: {} });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const lesson = resolveLesson(oneLesson(parsed.positionals));
  if (!lesson) {
    console.log('Every lesson has passed. Compare one with: npm run compare -- <lesson>');
    return 0;
  }
  console.log(compareLesson(lesson));
  return 0;
}

if (isEntry(import.meta)) await runCommand(main, 'npm run compare [-- <lesson>]');
