// The numbers of `npm run bench-checks` (time to a verdict per lesson) and how they are printed:
// median and range per lesson, the slowest expectations, records merged and put side by side.
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

/** Milliseconds as seconds with one decimal. */
export const sec = (ms: number): string => (ms / 1000).toFixed(1);
const fmt = (s: Spread): string => `${sec(s.median)} s (${sec(s.min)}–${sec(s.max)})`;

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

