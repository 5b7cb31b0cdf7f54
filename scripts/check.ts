// npm run check [-- <lesson>] [--solution | --dir <folder>] [--json]
// Exit 0 when every expectation holds, 1 when one fails, 2 on a usage error.
import './require-node.ts';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { findLesson, lessonPaths, lessons, type Lesson } from '../course.ts';
import { checkLesson, formatResult, killAllNow, type CheckResult } from '../checks/lib/index.ts';
import { currentLesson, loadProgress, markPassed } from './progress.ts';

export class UsageError extends Error {}

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
  if (positionals.length > 1) throw new UsageError(`one lesson at a time, not ${positionals.join(' ')}`);
  if (values.solution && values.dir) throw new UsageError('--solution and --dir do not go together');
  let lesson: Lesson | undefined;
  if (positionals[0] !== undefined) {
    lesson = findLesson(positionals[0]);
    if (!lesson) throw new UsageError(`no lesson "${positionals[0]}"; the lessons are ${lessons.map((l) => l.id).join(', ')}`);
  } else {
    const progress = loadProgress();
    if (progress.warning) console.error(progress.warning);
    lesson = currentLesson(progress);
    if (!lesson) return 'all-done';
  }
  const paths = lessonPaths(lesson);
  const dir = values.dir ? resolve(values.dir) : values.solution ? paths.solution : paths.lesson;
  return { lesson, dir, json: values.json ?? false, ownFolder: !values.dir && !values.solution };
}

function nextStep(result: CheckResult, args: CheckArgs): string {
  if (!result.ok) return `Edit ${result.dir}/ and run the check again (npm run hint for a nudge).`;
  if (!args.ownFolder) return '';
  const i = lessons.findIndex((l) => l.id === args.lesson.id);
  const next = lessons[i + 1];
  if (!next) return 'That was the last lesson: you have finished the workshop. 🎉';
  return `Lesson passed. Next: ${next.id} · ${next.title} — read lessons/${next.id}/README.md`;
}

async function main(): Promise<number> {
  let args: CheckArgs | 'all-done';
  try {
    args = parseCheckArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`✖ ${err.message}\n  usage: npm run check [-- <lesson>] [--solution | --dir <folder>] [--json]`);
      return 2;
    }
    throw err;
  }
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

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    killAllNow();
    process.exit(130);
  });
}

// Exit explicitly: the verdict is final, and nothing the learner's program left open may keep us waiting.
process.exit(await main());
