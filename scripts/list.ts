// npm run progress: the course in order, ✓ passed / ▶ current / · to do, with a progress bar.
// Also the list `npm start` shows, and the "read this, edit that" lines for the current lesson.
import './require-node.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pc } from '../checks/lib/colors.ts';
import { lessons, type Lesson } from '../course.ts';
import { isEntry, runCommand, UsageError } from './cli.ts';
import { currentLesson, loadProgress, type Progress } from './progress.ts';
import { learnerDir, lessonFiles, shown } from './where.ts';

export function progressBar(done: number, total: number, width = 30): string {
  const filled = total === 0 ? 0 : Math.round((done / total) * width);
  return `${pc.green('█'.repeat(filled))}${pc.dim('░'.repeat(width - filled))} ${done} of ${total} done`;
}

export function formatList(progress: Pick<Progress, 'passed'>): string {
  const current = currentLesson({ passed: progress.passed });
  const done = lessons.filter((l) => progress.passed.has(l.id)).length;
  const width = Math.max(...lessons.map((l) => l.id.length));
  const rows = lessons.map((l) => {
    if (progress.passed.has(l.id)) return `  ${pc.green('✓')} ${l.id.padEnd(width)}  ${l.title}`;
    if (l === current) return `  ${pc.cyan('▶')} ${pc.bold(l.id.padEnd(width))}  ${pc.bold(l.title)}`;
    return pc.dim(`  · ${l.id.padEnd(width)}  ${l.title}`);
  });
  return [pc.bold('Cluster workshop'), `  ${progressBar(done, lessons.length)}`, '', ...rows].join('\n');
}

/** Where the lesson's text and files are, as paths the learner can open. */
export function formatWhere(lesson: Lesson): string {
  const dir = learnerDir(lesson);
  const readme = join(dir, 'README.md');
  const files = lessonFiles(dir).map((f) => shown(join(dir, f)));
  return [
    `${pc.cyan('▶')} ${pc.bold(`${lesson.id} · ${lesson.title}`)}`,
    `  ${lesson.summary}`,
    `  ${pc.dim('read')}  ${shown(readme)}${existsSync(readme) ? '' : pc.dim(' (not written yet)')}`,
    `  ${pc.dim('edit')}  ${files.length > 0 ? files.join(', ') : `${shown(dir)}/ ${pc.dim('(no files yet)')}`}`,
  ].join('\n');
}

export const finished = `${pc.green('Every lesson has passed: you have finished the workshop. 🎉')}\nCheck one again with: npm run check -- <lesson>`;

async function main(): Promise<number> {
  if (process.argv.length > 2) throw new UsageError(`npm run progress takes no arguments, not ${process.argv.slice(2).join(' ')}`);
  const progress = loadProgress();
  if (progress.warning) console.error(pc.yellow(progress.warning));
  console.log(formatList(progress));
  const current = currentLesson(progress);
  console.log(`\n${current ? `Next: ${pc.bold(current.id)} · ${current.title} — run ${pc.bold('npm start')} to work on it.` : finished}`);
  return 0;
}

if (isEntry(import.meta)) await runCommand(main, 'npm run progress');
