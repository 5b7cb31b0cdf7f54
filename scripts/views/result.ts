// A CheckResult as the learner reads it. `resultView` decides once what is said (the "stopped early"
// note, the summary line); the terminal (`formatResult`) and the web page (app.js, which gets the view
// in the event) only paint it, so the two faces can never disagree about the same run.
import type { CheckResult } from '../../checks/lib/runner.ts';
import type { TimelineEvent } from '../../checks/lib/types.ts';
import { pc } from './colors.ts';
import { failureWindow, formatTimeline, timelineModel, timelineParts } from './timeline.ts';

export interface ResultView {
  /** Set when the check stopped early: one sentence, the same on both faces. */
  readonly stopped: string | undefined;
  /** "All 5 expectations hold · 1.2 s" or "3 of 5 expectations hold · 1.2 s". */
  readonly summary: string;
}

export function resultView(r: CheckResult): ResultView {
  const held = r.expectations.filter((e) => e.ok).length;
  const seconds = `${(r.durationMs / 1000).toFixed(1)} s`;
  let stopped: string | undefined;
  if (r.stoppedEarly) {
    // A fatal ✗ usually says why already: then what the learner needs is that the rest was not tried.
    const told = r.expectations.some((e) => !e.ok && e.seen !== undefined && e.seen.includes(r.stoppedEarly ?? ''));
    stopped = `The check stopped early (${told ? 'the rest needs the ✗ above' : r.stoppedEarly}); later expectations were not tried.`;
  }
  const summary = r.ok ? `All ${held} expectations hold · ${seconds}` : `${held} of ${r.expectations.length} expectations hold · ${seconds}`;
  return { stopped, summary };
}

function block(label: string, text: string, paint: (s: string) => string): string {
  const pad = ' '.repeat(15);
  const [first = '', ...rest] = text.split('\n');
  return [`      ${pc.dim(label.padEnd(9))}${paint(first)}`, ...rest.map((l) => pad + paint(l))].join('\n');
}

export interface FormatOptions {
  /**
   * The timeline chart: 'failures' (the default) under each ✗ whose time involved processes
   * (see failureWindow), 'all' the whole run (--timeline), 'none' never.
   */
  readonly timeline?: 'failures' | 'all' | 'none';
  /** The terminal's width (the chart never takes more than 80 columns). */
  readonly columns?: number;
}

type Window = NonNullable<ReturnType<typeof failureWindow>>;

/** Two windows draw one picture: the same start and programs, and nothing but expectations between their ends. */
function sameStory(events: readonly TimelineEvent[], a: Window, b: Window): boolean {
  if (a.fromMs !== b.fromMs || JSON.stringify(a.about) !== JSON.stringify(b.about)) return false;
  const [lo, hi] = [Math.min(a.toMs, b.toMs), Math.max(a.toMs, b.toMs)];
  return !events.some((e) => e.kind !== 'expectation' && e.atMs > lo && e.atMs <= hi);
}

/** The terminal face: ✓/✗ per expectation, and for each ✗ expected / seen / hint. */
export function formatResult(r: CheckResult, view: ResultView = resultView(r), opts: FormatOptions = {}): string {
  const timeline = opts.timeline ?? 'failures';
  const width = Math.min(80, opts.columns ?? process.stdout.columns ?? 80);
  const lines = [`${pc.bold(`${r.lesson.id} · ${r.lesson.title}`)}  ${pc.dim(`(${r.dir})`)}`, ''];
  let last: ReturnType<typeof failureWindow>;
  for (const e of r.expectations) {
    if (e.ok) {
      lines.push(`  ${pc.green('✓')} ${e.name}`);
      continue;
    }
    lines.push(`  ${pc.red('✗')} ${pc.bold(e.name)}`);
    if (e.expected && e.expected !== e.name) lines.push(block('expected', e.expected, (s) => s));
    if (e.seen) lines.push(block('seen', e.seen, pc.yellow));
    if (e.hint) lines.push(block('hint', e.hint, pc.cyan));
    const window = timeline === 'failures' && r.timeline ? failureWindow(r.timeline, e.name) : undefined;
    // Two ✗ judged on one moment (lesson 04's lines after SIGTERM) would print one chart twice.
    if (window && r.timeline && last && sameStory(r.timeline, last, window)) lines.push(pc.dim('      (its timeline is the one above)'), '');
    else if (window && r.timeline) lines.push('', formatTimeline(timelineModel(r.timeline, window), { width, title: 'timeline of this expectation' }), '');
    if (window) last = window;
  }
  lines.push('');
  if (timeline === 'all') {
    const parts = timelineParts(r);
    parts.forEach((part, i) => lines.push(formatTimeline(part.model, { width, title: part.title, legend: i === parts.length - 1 }), ''));
    if (parts.length === 0) lines.push(pc.dim('  (no timeline was recorded for this run)'), '');
  }
  if (view.stopped) lines.push(pc.dim(`  ${view.stopped}`));
  lines.push(r.ok ? pc.green(`  ${view.summary}`) : pc.red(`  ${view.summary}`));
  // After the verdict, where a green line cannot hide it: a program that passed through tsx but
  // that `node server.ts` refuses does not start when run by hand (a learner missed it above).
  for (const note of r.notes ?? []) lines.push(pc.yellow(note.replace(/^/gm, '  ')));
  return lines.join('\n');
}
