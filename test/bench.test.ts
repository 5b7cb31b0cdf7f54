// A smoke test of `npm run bench`'s code with tiny durations: it measures, summarizes, draws, and
// leaves nothing running. The numbers themselves are not asserted (that would be a timed test).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reaper, root, survivors } from '../checks/lib/runner.ts';
import { measure } from '../scripts/bench/measure.ts';
import { spread, summarize, svg, table, terminalChart } from '../scripts/bench/report.ts';

describe('npm run bench', () => {
  it('spread gives the median and the range', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3 });
    expect(spread([4, 1, 2, 3])).toEqual({ median: 2.5, min: 1, max: 4 });
  });

  it('measures 1 and 2 workers, summarizes and draws, and stops its servers', async () => {
    const steps: string[] = [];
    const samples = await measure(
      { server: join(root, 'solutions', '08-measure', 'server.ts'), workerCounts: [1, 2], seconds: 0.5, warmup: 0, reps: 2, connections: 4, n: 20 },
      (p) => steps.push(p.label),
    );
    expect(samples.map((s) => `${s.rep}:${s.workers}`)).toEqual(['1:1', '1:2', '2:2', '2:1']); // interleaved, rotated
    for (const s of samples) {
      expect(s.completed).toBeGreaterThan(0);
      expect(s.serverCpuMs).toBeGreaterThan(0);
    }
    const verdict = summarize(samples, 2);
    expect(verdict.summaries.map((s) => s.workers)).toEqual([1, 2]);
    expect(verdict.ratio.median).toBeGreaterThan(0);
    expect(table(verdict)).toContain('req/s median');
    expect(terminalChart(verdict)).toContain('█');
    expect(svg(verdict, samples, 'test')).toMatch(/^<svg[\s\S]*<\/svg>\n$/);
    expect(steps.some((l) => l.includes('WORKERS=2'))).toBe(true);
    expect(reaper.started()).toHaveLength(2);
    expect(survivors(), 'server processes left running').toEqual([]);
  });
});
