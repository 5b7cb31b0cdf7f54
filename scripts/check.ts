// npm run check [-- <lesson>] [--solution | --dir <folder>] [--json]
// Exit 0 when every expectation holds, 1 when one fails, 2 on a usage error.
import './require-node.ts';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { lessonPaths, lessons, type Lesson } from '../course.ts';
import { checkLesson, formatResult, type CheckResult } from '../checks/lib/index.ts';
import { isEntry, runCommand, UsageError } from './cli.ts';
import { markPassed } from './progress.ts';
import { learnerDir, oneLesson, resolveLesson, shown } from './where.ts';

export interface CheckArgs {
  readonly lesson: Lesson;
  readonly dir: string;
  readonly json: boolean;
  /** Progress moves on only when the learner's own folder passed. */
  readonly ownFolder: boolean;
}

export function parseCheckArgs(argv: readonly string[]): CheckArgs | 'all-done' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { solution: { type: 'boolean' }, dir: { type: 'string' }, json: { type: 'boolean' } },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const ref = oneLesson(positionals);
  if (values.solution && values.dir) throw new UsageError('--solution and --dir do not go together');
  const lesson = resolveLesson(ref);
  if (!lesson) return 'all-done';
  const dir = values.dir ? resolve(values.dir) : values.solution ? lessonPaths(lesson).solution : learnerDir(lesson);
  return { lesson, dir, json: values.json ?? false, ownFolder: !values.dir && !values.solution };
}

function nextStep(result: CheckResult, args: CheckArgs): string {
  if (!result.ok) return `Edit ${result.dir}/ and run the check again (npm run hint for a nudge).`;
  if (!args.ownFolder) return '';
  const i = lessons.findIndex((l) => l.id === args.lesson.id);
  const next = lessons[i + 1];
  if (!next) return 'That was the last lesson: you have finished the workshop. 🎉';
  return `Lesson passed. Next: ${next.id} · ${next.title} — read ${shown(learnerDir(next))}/README.md`;
}

async function main(): Promise<number> {
  const args = parseCheckArgs(process.argv.slice(2));
  if (args === 'all-done') {
    console.log('Every lesson has passed. Check one again with: npm run check -- <lesson>');
    return 0;
  }
  if (!args.json) console.log(`Checking ${args.lesson.id}…\n`);
  const result = await checkLesson(args.lesson, args.dir);
  if (result.ok && args.ownFolder) markPassed(args.lesson.id);
  if (args.json) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    console.log(formatResult(result));
    const next = nextStep(result, args);
    if (next) console.log(`\n${next}`);
  }
  return result.ok ? 0 : 1;
}

if (isEntry(import.meta)) await runCommand(main, 'npm run check [-- <lesson>] [--solution | --dir <folder>] [--json]');
