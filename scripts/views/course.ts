// The course as the terminal shows it: the list with ✓ ▶ · and a bar, where the current lesson's
// files are, and the sentences about what comes next (one wording each, used by every command).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Lesson } from '../../course.ts';
import { lessonFiles, type Workshop } from '../workshop.ts';
import { pc } from './colors.ts';
import { marks } from './marks.ts';

/** A bar of `width` cells, `fraction` of them full: the course's progress and the bench's. */
export function bar(fraction: number, width = 30, paint: { full: (s: string) => string; empty: (s: string) => string } = { full: (s) => s, empty: (s) => s }): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `${paint.full('█'.repeat(filled))}${paint.empty('░'.repeat(width - filled))}`;
}

export function progressBar(done: number, total: number, width = 30): string {
  return `${bar(total === 0 ? 0 : done / total, width, { full: pc.green, empty: pc.dim })} ${done} of ${total} done`;
}

export function formatList(ws: Workshop): string {
  const rows = ws.rows();
  const done = rows.filter((r) => r.state === 'passed').length;
  const width = Math.max(...rows.map((r) => r.lesson.id.length));
  const lines = rows.map(({ lesson: l, state }) => {
    const sign = marks[state].sign;
    if (state === 'passed') return `  ${pc.green(sign)} ${l.id.padEnd(width)}  ${l.title}`;
    if (state === 'current') return `  ${pc.cyan(sign)} ${pc.bold(l.id.padEnd(width))}  ${pc.bold(l.title)}`;
    return pc.dim(`  ${sign} ${l.id.padEnd(width)}  ${l.title}`);
  });
  return [pc.bold('Cluster workshop'), `  ${progressBar(done, rows.length)}`, '', ...lines].join('\n');
}

/** Where the lesson's text and files are, as paths the learner can open. */
export function formatWhere(ws: Workshop, lesson: Lesson): string {
  const dir = ws.learnerDir(lesson);
  const readme = ws.readme(lesson);
  const files = lessonFiles(dir).map((f) => ws.shown(join(dir, f)));
  return [
    `${pc.cyan('▶')} ${pc.bold(`${lesson.id} · ${lesson.title}`)}`,
    `  ${lesson.summary}`,
    `  ${pc.dim('read')}  ${ws.shown(readme)}${existsSync(readme) ? '' : pc.dim(' (not written yet)')}`,
    `  ${pc.dim('edit')}  ${files.length > 0 ? files.join(', ') : `${ws.shown(dir)}/ ${pc.dim('(no files yet)')}`}`,
  ].join('\n');
}

/** Every lesson has passed: what each command says instead of picking a lesson. */
export function finished(again: string): string {
  return `${pc.green('Every lesson has passed: you have finished the workshop. 🎉')}\n${again}`;
}

/** The one line after a pass: the lesson to work on now, or the end of the course. */
export function afterPass(ws: Workshop, lesson: Lesson): string {
  const next = ws.current();
  const head = pc.green(`✓ ${lesson.id} passed.`);
  if (!next) return `${head} ${finished('Check one again with: npm run check -- <lesson>')}`;
  return `${head} Next: ${pc.bold(next.id)} · ${next.title} — read ${ws.shown(ws.readme(next))}`;
}

/** Why a command is about this lesson: said every time, so a learner never wonders which one. */
export function why(ws: Workshop, lesson: Lesson, named: boolean): string {
  if (named) return 'the lesson you named';
  const passedLater = ws.lessons.slice(ws.lessons.indexOf(lesson) + 1).some((l) => ws.isPassed(l));
  return passedLater ? 'the first lesson you have not passed (a later one has)' : 'the first lesson you have not passed';
}
