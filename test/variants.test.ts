// Variants kept as what differs from the solution (the runner builds them: checks/lib/runnable.ts):
// each builds into a whole program, a stale patch says so in a sentence, and a built copy is removed.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lessons } from '../course.ts';
import { runnable, variantsDir } from '../checks/lib/runner.ts';
import { solutionOf } from './helpers.ts';

describe('test variants', () => {
  it('every variant builds: its patches apply to the solution as it is now', () => {
    for (const l of lessons) {
      const names = existsSync(join(variantsDir, l.id)) ? readdirSync(join(variantsDir, l.id)) : [];
      for (const name of names) {
        const built = runnable(join(variantsDir, l.id, name), solutionOf(l.id));
        try {
          expect(existsSync(join(built.dir, 'server.ts')), `${l.id}/${name} has a server.ts`).toBe(true);
          expect(readdirSync(built.dir).filter((f) => f.endsWith('.patch')), `${l.id}/${name}: no patch left unapplied`).toEqual([]);
          // An ecosystem file that starts no app fails at pm2's first expectation for that reason
          // alone, whatever mistake the variant is there to show.
          const ecosystem = join(built.dir, 'ecosystem.config.cjs');
          if (existsSync(ecosystem)) {
            const apps = (createRequire(import.meta.url)(ecosystem) as { apps?: { script?: unknown }[] }).apps;
            // One app, but for the variant whose mistake is a second one (wrong-two-apps).
            const scripts = apps?.map((a) => typeof a.script) ?? [];
            expect(scripts, `${l.id}/${name}/ecosystem.config.cjs exports its app${name === 'wrong-two-apps' ? 's' : ''}, with a script`).toEqual(name === 'wrong-two-apps' ? ['string', 'string'] : ['string']);
          }
        } finally {
          built.done();
        }
        if (built.dir !== join(variantsDir, l.id, name)) expect(existsSync(built.dir), 'the built copy is removed').toBe(false);
      }
    }
  });

  it('a patch builds the changed file and fills in the rest; a stale one names itself and the fix', () => {
    const l = lessons[1];
    if (!l) throw new Error('the course has a second lesson');
    const dir = mkdtempSync(join(variantsDir, l.id, 'tmp-'));
    try {
      const solution = readFileSync(join(solutionOf(l.id), 'server.ts'), 'utf8');
      const first = solution.split('\n')[0] ?? '';
      writeFileSync(join(dir, 'server.ts.patch'), `--- a/server.ts\n+++ b/server.ts\n@@ -1,1 +1,1 @@\n-${first}\n+// changed\n`);
      const built = runnable(dir, solutionOf(l.id));
      expect(readFileSync(join(built.dir, 'server.ts'), 'utf8')).toBe(solution.replace(first, '// changed'));
      built.done();
      writeFileSync(join(dir, 'server.ts.patch'), '--- a/server.ts\n+++ b/server.ts\n@@ -1,1 +1,1 @@\n-a line the solution does not have\n+x\n');
      expect(() => runnable(dir, solutionOf(l.id))).toThrow(/server\.ts\.patch no longer applies to solutions\/.*server\.ts: the solution changed there/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
