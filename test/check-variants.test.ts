// Every lesson's check on the programs of test/variants/<lesson>/: it fails each known-wrong one at
// the expectation that program breaks (its `// fails:` line) and passes each right-but-different
// one, leaving no process behind. About 200 programs, 15–25 minutes a Node on 2 cores, so not part
// of `npm test`: `npm run test:variants` runs them, and CI runs both on Node 24 and 20.
import { describe, expect, it } from 'vitest';
import { lessons } from '../course.ts';
import { check, variantsOf } from './helpers.ts';

for (const l of lessons) {
  describe(`${l.id}`, () => {
    for (const v of variantsOf(l.id)) {
      // A wrong program's run ends at the ✗ the test asserts: what the check does after it is
      // proven on the solution and the right variants.
      it(`${v.shouldPass ? 'passes' : 'fails'} on the variant ${v.name}`, async () => {
        const named = v.fails;
        const r = await check(l.id, v.dir, v.shouldPass ? {} : { stopWhen: (e) => !e.ok && (named === undefined || e.name.includes(named)) });
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
