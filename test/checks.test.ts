// The course checks itself (like rustlings' `dev check`): for every lesson, the check passes on the
// solution, fails on the untouched starter, fails on every known-wrong variant at the expectation
// that variant breaks, passes every right-but-different variant, and leaves no process behind.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lessonPaths, lessons } from '../course.ts';
import { check, solutionOf, starterOf, variantsOf, variantsDir } from './helpers.ts';


for (const l of lessons) {
  describe(`${l.id}`, () => {
    it('has a README, a starter, a solution and a check', () => {
      const p = lessonPaths(l);
      for (const f of [`${p.lesson}/README.md`, `${p.lesson}/server.ts`, `${p.solution}/server.ts`, p.check]) {
        expect(existsSync(f), f).toBe(true);
      }
      expect(l.hints.length).toBeGreaterThan(0);
    });

    it('passes on the solution', async () => {
      const r = await check(l.id, solutionOf(l.id));
      expect(r.ok, r.text).toBe(true);
      expect(r.leftovers, 'processes left running').toEqual([]);
    });

    it('fails on the untouched starter', async () => {
      const r = await check(l.id, starterOf(l.id));
      expect(r.ok, r.text).toBe(false);
      expect(r.leftovers, 'processes left running').toEqual([]);
    });

    const variants = variantsOf(l.id);
    it('has at least two known-wrong variants', () => {
      expect(variants.filter((v) => !v.shouldPass).length, `variants under ${variantsDir}/${l.id}`).toBeGreaterThanOrEqual(2);
    });
    for (const v of variants) {
      it(`${v.shouldPass ? 'passes' : 'fails'} on the variant ${v.name}`, async () => {
        const r = await check(l.id, v.dir);
        expect(r.ok, r.text).toBe(v.shouldPass);
        expect(r.leftovers, 'processes left running').toEqual([]);
        if (v.fails) {
          const failed = r.expectations.filter((e) => !e.ok).map((e) => e.name);
          expect(failed.some((name) => name.includes(v.fails ?? '')), `${v.fails} among the failed:\n${r.text}`).toBe(true);
        }
      });
    }
  });
}
