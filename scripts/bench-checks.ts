// npm run bench-checks [-- --runs 5] [--lessons 1,3,4] [--cli] [--label name] [--out file.json]
// npm run bench-checks -- --compare a.json b.json …
// How long a learner waits for a verdict: each lesson's check on its solution, N runs, interleaved
// across lessons, on the running Node. Prints per lesson the median and range (min–max) of the time
// to a verdict and the slowest expectations (where the time goes); --out keeps the numbers so two
// Nodes or two commits can be put side by side with --compare.
import './require-node.ts';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { findLesson, lessonPaths, lessons, type Lesson } from '../course.ts';
import { checkLesson, root } from '../checks/lib/index.ts';
import { runtimeLabel } from '../checks/lib/runtime.ts';
import { isEntry, runCommand, UsageError } from './cli.ts';

export interface LessonTimes {
  readonly id: string;
  /** Time to a verdict per run, ms. */
  readonly ms: number[];
  /** Runs that passed (a solution should pass every time). */
  readonly passed: number;
  /** Each expectation's time per run, ms, by name. */
  readonly expectations: Record<string, number[]>;
  /** The ✗ expectations of runs that failed (a solution failing under load says which margin broke). */
  readonly failed?: string[];
}

export interface BenchRecord {
  readonly node: string;
  readonly runtime: string;
  readonly commit: string;
  readonly mode: 'in-process' | 'cli';
  readonly runs: number;
  readonly loadBefore: number;
  readonly lessons: LessonTimes[];
}

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export function spread(xs: readonly number[]): Spread {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length === 0 ? NaN : s.length % 2 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
  return { median, min: s[0] ?? NaN, max: s.at(-1) ?? NaN };
}

const sec = (ms: number): string => (ms / 1000).toFixed(1);
const fmt = (s: Spread): string => `${sec(s.median)} s (${sec(s.min)}–${sec(s.max)})`;

function commit(): string {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '?';
}

/** One verdict through the whole command, as the learner types it (runner start included). */
function cliRun(lesson: Lesson): { ms: number; ok: boolean } {
  const started = performance.now();
  const r = spawnSync(process.execPath, [...process.execArgv, join(root, 'scripts', 'check.ts'), lesson.id, '--solution', '--json'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 180_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { ms: performance.now() - started, ok: r.status === 0 };
}

export function table(rec: BenchRecord, top = 2): string {
  const lines = [`Node ${rec.node} · ${rec.runtime} · ${rec.commit} · ${rec.mode} · ${rec.runs} runs · load ${rec.loadBefore.toFixed(1)}`];
  lines.push(`${'lesson'.padEnd(26)}${'verdict: median (min–max)'.padEnd(28)}passed  slowest expectations (median)`);
  for (const l of rec.lessons) {
    const slow = Object.entries(l.expectations)
      .map(([name, ms]) => ({ name, median: spread(ms).median }))
      .sort((a, b) => b.median - a.median)
      .slice(0, top)
      .map((e) => `${sec(e.median)} s ${e.name.length > 48 ? `${e.name.slice(0, 47)}…` : e.name}`);
    lines.push(`${l.id.padEnd(26)}${fmt(spread(l.ms)).padEnd(28)}${`${l.passed}/${l.ms.length}`.padEnd(8)}${slow.join(' · ')}`);
  }
  return lines.join('\n');
}

/** Records of the same Node, runtime, commit and mode (e.g. one per round) as one. */
export function merge(recs: readonly BenchRecord[]): BenchRecord[] {
  const byKey = new Map<string, BenchRecord>();
  for (const r of recs) {
    const key = `${r.node}|${r.runtime}|${r.commit}|${r.mode}`;
    const known = byKey.get(key);
    if (!known) {
      byKey.set(key, structuredClone(r));
      continue;
    }
    for (const l of r.lessons) {
      const into = known.lessons.find((x) => x.id === l.id);
      if (!into) {
        known.lessons.push(structuredClone(l));
        continue;
      }
      into.ms.push(...l.ms);
      (into as { passed: number }).passed += l.passed;
      for (const [name, ms] of Object.entries(l.expectations)) (into.expectations[name] ??= []).push(...ms);
    }
    (known as { runs: number }).runs += r.runs;
  }
  return [...byKey.values()];
}

/** Medians of several records side by side, one column per record. */
export function compare(recs: readonly BenchRecord[]): string {
  const head = recs.map((r) => `${r.node} ${r.runtime} ${r.commit}`.slice(0, 30).padEnd(32));
  const ids = [...new Set(recs.flatMap((r) => r.lessons.map((l) => l.id)))];
  const lines = [`${'lesson'.padEnd(26)}${head.join('')}`];
  for (const id of ids) {
    const cells = recs.map((r) => {
      const l = r.lessons.find((x) => x.id === id);
      return (l ? `${fmt(spread(l.ms))} ${l.passed}/${l.ms.length}` : '–').padEnd(32);
    });
    lines.push(`${id.padEnd(26)}${cells.join('')}`);
  }
  return lines.join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '5' },
      lessons: { type: 'string' },
      cli: { type: 'boolean' },
      out: { type: 'string' },
      compare: { type: 'boolean' },
      tables: { type: 'boolean' },
      label: { type: 'string' },
    },
    allowPositionals: true,
    args: process.argv.slice(2),
    strict: true,
  });
  if (values.compare) {
    const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
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
        const l = findLesson(ref.trim());
        if (!l) throw new UsageError(`no lesson ${ref}`);
        return l;
      })
    : [...lessons];
  const rec: BenchRecord = {
    node: process.version,
    runtime: runtimeLabel(),
    commit: values.label ?? commit(),
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
      let ok: boolean;
      if (values.cli) {
        ({ ms, ok } = cliRun(lesson));
      } else {
        const r = await checkLesson(lesson, lessonPaths(lesson).solution);
        ms = r.durationMs;
        ok = r.ok;
        for (const e of r.expectations) (slot.expectations[e.name] ??= []).push(e.durationMs);
        for (const e of r.expectations) if (!e.ok) ((slot as { failed?: string[] }).failed ??= []).push(e.name);
      }
      slot.ms.push(Math.round(ms));
      if (ok) (slot as { passed: number }).passed++;
      const why = ok ? '' : ` (FAILED${slot.failed?.length ? `: ${slot.failed.at(-1)}` : ''})`;
      process.stderr.write(`round ${round}/${runs} ${lesson.id}: ${sec(ms)} s${why}\n`);
    }
  }
  console.log(table(rec));
  if (values.out) writeFileSync(values.out, JSON.stringify(rec, null, 1));
  return rec.lessons.every((l) => l.passed === l.ms.length) ? 0 : 1;
}

if (isEntry(import.meta)) await runCommand(main, 'npm run bench-checks [-- --runs N] [--lessons 1,3] [--cli] [--out file.json] | --compare a.json b.json');
