// Hints as the terminal shows them: one step (`h` while watching) or all seen so far (npm run hint).
import type { Lesson } from '../../course.ts';
import type { HintStep } from '../workshop.ts';
import { pc } from './colors.ts';

/** The line `h` prints while watching. */
export function formatHintStep(lesson: Lesson, step: HintStep): string {
  const head = pc.cyan(`Hint ${step.number} of ${step.total} for ${lesson.id}:`);
  const tail = step.exhausted || step.number === step.total ? pc.dim('\n  That is the last hint. Still stuck? Compare with the solution: c (or npm run compare).') : '';
  return `${head}\n  ${step.text}${tail}`;
}

/** The hints shown so far, the newest one bold. */
export function formatHints(lesson: Lesson, upTo: number): string {
  const lines = [pc.bold(`${lesson.id} · ${lesson.title}`) + pc.dim(` — hint ${upTo} of ${lesson.hints.length}`), ''];
  lesson.hints.slice(0, upTo).forEach((h, i) => lines.push(`  ${i + 1}. ${i === upTo - 1 ? pc.bold(h) : h}`));
  lines.push('');
  lines.push(pc.dim(upTo < lesson.hints.length ? '  Run npm run hint again for the next one.' : '  That is the last hint. Still stuck? npm run compare shows how the solution differs.'));
  return lines.join('\n');
}
