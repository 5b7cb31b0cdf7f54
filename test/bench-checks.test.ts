// The pieces of `npm run bench-checks` and of CI's per-lesson run that need no process: the
// numbers, their merging and tables, and what counts as a surprise. (Running them is CI's job.)
import { describe, expect, it } from 'vitest';
import { compare, merge, spread, table, type BenchRecord } from '../scripts/bench/check-times.ts';
import { surprise } from '../scripts/commands/ci-lessons.ts';

const rec = (commit: string, ms: number[], passed = ms.length): BenchRecord => ({
  node: 'v24.22.3',
  runtime: 'native TypeScript (strip)',
  commit,
  mode: 'in-process',
  runs: ms.length,
  loadBefore: 1,
  lessons: [{ id: '01-single-thread', ms, passed, expectations: { 'the TypeScript compiles': ms.map((x) => x / 4) } }],
});

describe('bench-checks', () => {
  it('gives the median and the range', () => {
    expect(spread([3000, 1000, 2000])).toEqual({ median: 2000, min: 1000, max: 3000 });
    expect(spread([4, 1, 2, 3])).toEqual({ median: 2.5, min: 1, max: 4 });
  });

  it('merges rounds of one configuration and puts configurations side by side', () => {
    const merged = merge([rec('abc', [1000]), rec('abc', [3000, 2000]), rec('def', [500], 0)]);
    expect(merged).toHaveLength(2);
    expect(merged[0]?.lessons[0]?.ms).toEqual([1000, 3000, 2000]);
    expect(merged[0]?.runs).toBe(3);
    expect(table(merged[0] as BenchRecord)).toMatch(/01-single-thread\s+2\.0 s \(1\.0–3\.0\)\s+3\/3\s+0\.5 s the TypeScript compiles/);
    expect(compare(merged)).toMatch(/01-single-thread\s+2\.0 s \(1\.0–3\.0\) 3\/3\s+0\.5 s \(0\.5–0\.5\) 0\/1/);
  });
});

describe("CI's per-lesson run", () => {
  const verdict = (ok: boolean, seen = ''): string =>
    JSON.stringify({ lesson: { id: '01', title: 't' }, dir: 'x', ok, durationMs: 1, expectations: [{ name: 'e', ok, durationMs: 1, ...(seen ? { seen } : {}) }] });
  it('wants solutions to pass and starters to fail by an expectation', () => {
    expect(surprise({ code: 0, out: verdict(true), ms: 1 }, true)).toBeUndefined();
    expect(surprise({ code: 1, out: verdict(false), ms: 1 }, true)).toMatch(/^failed: e/);
    expect(surprise({ code: 1, out: verdict(false), ms: 1 }, false)).toBeUndefined();
    expect(surprise({ code: 0, out: verdict(true), ms: 1 }, false)).toMatch(/starter must fail/);
    expect(surprise({ code: 1, out: verdict(false, 'the check itself failed: TypeError'), ms: 1 }, false)).toMatch(/bug of the check/);
    expect(surprise({ code: 1, out: 'Error: boom', ms: 1 }, false)).toMatch(/no verdict/);
  });
});
