// npm run hint [-- <lesson>] [--all]: hints one at a time, from the course list. Each call (or `h`
// in npm start) reveals one more; how many were shown is kept per lesson next to the progress file.
import './require-node.ts';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { pc } from '../checks/lib/colors.ts';
import type { Lesson } from '../course.ts';
import { isEntry, runCommand, UsageError } from './cli.ts';
import { stateDir } from './progress.ts';
import { oneLesson, resolveLesson } from './where.ts';

export const hintsFile = join(stateDir, 'hints.json');

/** How many hints of each lesson the learner has seen. A file that cannot be read counts as none seen. */
function loadSeen(file: string): Record<string, number> {
  try {
    const data: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (data && typeof data === 'object' && !Array.isArray(data)) {
      return Object.fromEntries(Object.entries(data).filter((e): e is [string, number] => typeof e[1] === 'number'));
    }
  } catch {
    // Missing or unreadable: start from no hint seen.
  }
  return {};
}

function saveSeen(seen: Record<string, number>, file: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(seen, null, 2) + '\n');
  renameSync(`${file}.tmp`, file);
}

export interface HintStep {
  /** 1-based number of the hint just revealed. */
  readonly number: number;
  readonly total: number;
  readonly text: string;
  /** Every hint was already shown before this call: `text` is the last one again. */
  readonly exhausted: boolean;
}

/** Reveal the next hint of a lesson (the last one again once all are out). */
export function nextHint(lesson: Lesson, file = hintsFile): HintStep {
  const seen = loadSeen(file);
  const total = lesson.hints.length;
  const before = Math.min(seen[lesson.id] ?? 0, total);
  const number = Math.min(before + 1, total);
  if (before < total) {
    seen[lesson.id] = number;
    try {
      saveSeen(seen, file);
    } catch {
      // Not remembering how far the learner got is no reason to withhold the hint.
    }
  }
  return { number, total, text: lesson.hints[number - 1] ?? 'This lesson has no hints.', exhausted: before >= total };
}

/** Start a lesson's hints from the first again (`npm run reset`). */
export function forgetHints(id: string, file = hintsFile): void {
  const seen = loadSeen(file);
  if (!(id in seen)) return;
  delete seen[id];
  saveSeen(seen, file);
}

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

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ allowPositionals: true, options: { all: { type: 'boolean' } } });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const lesson = resolveLesson(oneLesson(parsed.positionals));
  if (!lesson) {
    console.log('Every lesson has passed: no hint needed. Ask for one lesson\'s hints with: npm run hint -- <lesson>');
    return 0;
  }
  const upTo = parsed.values.all ? lesson.hints.length : nextHint(lesson).number;
  console.log(formatHints(lesson, upTo));
  return 0;
}

if (isEntry(import.meta)) await runCommand(main, 'npm run hint [-- <lesson>] [--all]');
