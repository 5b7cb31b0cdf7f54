// The terminal face of a CheckResult: ✓/✗ per expectation, and for each ✗ expected/seen/hint.
import { pc } from './colors.ts';
import type { CheckResult } from './types.ts';

function block(label: string, text: string, paint: (s: string) => string): string {
  const pad = ' '.repeat(15);
  const [first = '', ...rest] = text.split('\n');
  return [`      ${pc.dim(label.padEnd(9))}${paint(first)}`, ...rest.map((l) => pad + paint(l))].join('\n');
}

export function formatResult(r: CheckResult): string {
  const lines = [`${pc.bold(`${r.lesson.id} · ${r.lesson.title}`)}  ${pc.dim(`(${r.dir})`)}`, ''];
  for (const e of r.expectations) {
    if (e.ok) {
      lines.push(`  ${pc.green('✓')} ${e.name}`);
      continue;
    }
    lines.push(`  ${pc.red('✗')} ${pc.bold(e.name)}`);
    if (e.expected && e.expected !== e.name) lines.push(block('expected', e.expected, (s) => s));
    if (e.seen) lines.push(block('seen', e.seen, pc.yellow));
    if (e.hint) lines.push(block('hint', e.hint, pc.cyan));
  }
  const held = r.expectations.filter((e) => e.ok).length;
  const seconds = (r.durationMs / 1000).toFixed(1);
  lines.push('');
  if (r.stoppedEarly) {
    // A fatal ✗ already says why; what the learner needs to know is that the rest was not tried.
    const last = r.expectations.at(-1);
    const why = last && !last.ok && last.seen?.startsWith(r.stoppedEarly) ? 'the rest needs the ✗ above' : r.stoppedEarly;
    lines.push(pc.dim(`  The check stopped early (${why}); later expectations were not tried.`));
  }
  for (const note of r.notes ?? []) lines.push(pc.yellow(note.replace(/^/gm, '  ')));
  lines.push(
    r.ok
      ? pc.green(`  All ${held} expectations hold · ${seconds} s`)
      : pc.red(`  ${held} of ${r.expectations.length} expectations hold · ${seconds} s`),
  );
  return lines.join('\n');
}
