// npm run bench-checks [-- --runs 5] [--lessons 1,3,4] [--starter] [--cli] [--label name] [--out file.json]
// npm run bench-checks -- --compare a.json b.json …
// How long a learner waits for a verdict: each lesson's check on its solution (or, with --starter,
// on the untouched starter: a wrong program's verdict), N runs, interleaved across lessons, on the
// running Node. Prints per lesson the median and range (min–max) of the time
// to a verdict and the slowest expectations (where the time goes); --out keeps the numbers so two
// Nodes or two commits can be put side by side with --compare.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { Lesson } from '../../course.ts';
import { checkLesson, root } from '../../checks/lib/runner.ts';
import { runtimeLabel } from '../../checks/lib/runtime.ts';
import { compare, merge, sec, table, type BenchRecord } from '../bench/check-times.ts';
import { defineCommand } from '../command.ts';
import { UsageError } from '../errors.ts';

function commit(): string {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '?';
}

/** One verdict through the whole command, as the learner types it (runner start included). */
function cliRun(lesson: Lesson, dir: string): { ms: number; ok: boolean } {
  const started = performance.now();
  const r = spawnSync(process.execPath, [...process.execArgv, join(root, 'scripts', 'cli.ts'), 'check', lesson.id, '--dir', dir, '--json'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 180_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { ms: performance.now() - started, ok: r.status === 0 };
}

export const benchChecks = defineCommand({
  name: 'bench-checks',
  usage: 'npm run bench-checks [-- --runs N] [--lessons 1,3] [--starter] [--cli] [--label x] [--out file.json] | -- --compare a.json b.json …',
  options: {
    runs: { type: 'string', default: '5' },
    lessons: { type: 'string' },
    cli: { type: 'boolean' },
    starter: { type: 'boolean' },
    out: { type: 'string' },
    compare: { type: 'boolean' },
    tables: { type: 'boolean' },
    label: { type: 'string' },
  },
  positionals: 'files',
  async run({ values, positionals }, { ws }) {
    if (values.compare) {
      const files = [...positionals];
      if (files.length === 0) throw new UsageError('--compare needs the JSON files written by --out');
      const merged = merge(files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as BenchRecord));
      console.log(compare(merged));
      if (values.tables) for (const r of merged) console.log(`\n${table(r)}`);
      return 0;
    }
    const runs = Number(values.runs);
    if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs must be a whole number ≥ 1, not ${values.runs}`);
    const chosen = values.lessons
      ? values.lessons.split(',').map((ref) => {
          const l = ws.find(ref.trim());
          if (!l) throw new UsageError(`no lesson ${ref}`);
          return l;
        })
      : [...ws.lessons];
    const rec: BenchRecord = {
      node: process.version,
      runtime: runtimeLabel(),
      commit: values.label ?? (values.starter ? `${commit()} starter` : commit()),
      mode: values.cli ? 'cli' : 'in-process',
      runs,
      loadBefore: loadavg()[0] ?? 0,
      lessons: chosen.map((l) => ({ id: l.id, ms: [], passed: 0, expectations: {} })),
    };
    // Rounds across lessons, so a burst of load on the machine spreads over every lesson.
    for (let round = 1; round <= runs; round++) {
      for (const [i, lesson] of chosen.entries()) {
        const slot = rec.lessons[i];
        if (!slot) continue;
        let ms: number;
        let ok: boolean; // the verdict it should get: a pass on the solution, a fail on the starter
        const dir = values.starter ? ws.starterDir(lesson) : ws.solutionDir(lesson);
        if (values.cli) {
          ({ ms, ok } = cliRun(lesson, dir));
        } else {
          const r = await checkLesson(lesson, dir);
          ms = r.durationMs;
          ok = r.ok;
          for (const e of r.expectations) (slot.expectations[e.name] ??= []).push(e.durationMs);
          for (const e of r.expectations) if (!e.ok) ((slot as { failed?: string[] }).failed ??= []).push(e.name);
        }
        if (values.starter) ok = !ok;
        slot.ms.push(Math.round(ms));
        if (ok) (slot as { passed: number }).passed++;
        const why = ok ? '' : values.starter ? ' (PASSED: an untouched starter must fail)' : ` (FAILED${slot.failed?.length ? `: ${slot.failed.at(-1)}` : ''})`;
        process.stderr.write(`round ${round}/${runs} ${lesson.id}: ${sec(ms)} s${why}\n`);
      }
    }
    console.log(table(rec));
    if (values.out) writeFileSync(values.out, JSON.stringify(rec, null, 1));
    return rec.lessons.every((l) => l.passed === l.ms.length) ? 0 : 1;
  },
});
