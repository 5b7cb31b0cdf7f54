// The course checks itself (like rustlings' `dev check`). First against course.ts, the one list of
// lessons: no folder that no lesson names, every README titled as the course says, the root README's
// table in step, and no lesson id or lesson count copied into the runner or the tests. Then, for every
// lesson, the check passes on the solution and fails on the untouched starter, leaving no process
// behind. Every failure says what to add or change. The known-wrong and right-but-different programs
// of test/variants/ run in test/check-variants.test.ts (`npm run test:variants`).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lessons } from '../course.ts';
import { openWorkshop } from '../scripts/workshop.ts';
import { check, solutionOf, starterOf, variantsOf, variantsDir } from './helpers.ts';

/** The folders as the workshop ships them. */
const shipped = openWorkshop({});
const root = shipped.root;
const ids = new Set(lessons.map((l) => l.id));
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

/** Every file under `dir` (relative to the root) whose name ends in one of `ext`. */
function filesUnder(dir: string, ext: readonly string[]): string[] {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && ext.some((x) => e.name.endsWith(x)))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

/** The code of a file without its comments: an id in an example comment is not a copy of the list. */
const code = (text: string): string => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');

describe('the course against course.ts', () => {
  it('has no folder or check that no lesson names', () => {
    const orphans = [
      ...readdirSync(join(root, 'lessons')).map((n) => ['lessons', n] as const),
      ...readdirSync(join(root, 'solutions')).map((n) => ['solutions', n] as const),
      ...readdirSync(join(root, 'checks')).filter((n) => n.endsWith('.ts')).map((n) => ['checks', n.slice(0, -3)] as const),
      ...readdirSync(variantsDir).filter((n) => n !== 'broken').map((n) => ['test/variants', n] as const),
    ].filter(([, id]) => !ids.has(id));
    expect(
      orphans.map(([dir, id]) => `${dir}/${id}: add a lesson with id "${id}" to course.ts, or rename or remove it`),
      'folders and checks no lesson in course.ts names',
    ).toEqual([]);
  });

  it('titles each lesson README as course.ts does', () => {
    const wrong = lessons.flatMap((l) => {
      const want = `# ${l.id.slice(0, 2)} · ${l.title}`;
      const file = join(shipped.starterDir(l), 'README.md');
      const h1 = existsSync(file) ? readFileSync(file, 'utf8').split('\n')[0] : '(no README)';
      return h1 === want ? [] : [`${relative(root, file)} starts with "${h1}": make its first line "${want}" (the title in course.ts)`];
    });
    expect(wrong).toEqual([]);
  });

  it("lists every lesson in the root README's table, in order", () => {
    const rows = read('README.md').split('\n').filter((line) => /^\| \d\d \| \[/.test(line));
    const want = lessons.map((l) => `| ${l.id.slice(0, 2)} | [${l.title}](lessons/${l.id}/README.md) |`);
    const seen = rows.map((r) => r.slice(0, r.indexOf(') |') + 3));
    expect(seen, `README.md's lesson table: one row per lesson of course.ts, in order, starting ${want.at(-1)} <what you build> |`).toEqual(want);
  });

  it('names the system programs lessons need where a learner and CI install them', () => {
    const readme = read('README.md');
    const ci = read('.ci/run');
    const missing = lessons.flatMap((l) => (l.needs ?? []).flatMap((p) => [
      ...(readme.includes(p) ? [] : [`README.md ("Start") does not say that ${l.id} needs ${p}`]),
      ...(ci.includes(p) ? [] : [`.ci/run does not install ${p}, which ${l.id} needs`]),
    ]));
    expect(missing).toEqual([]);
    expect(lessons.filter((l) => l.bench).length, 'at most one lesson is the benchmark lesson (bench: true)').toBeLessThanOrEqual(1);
  });

  it('copies no lesson id into the runner and no lesson count into the tests', () => {
    const runner = [...filesUnder('scripts', ['.ts', '.js']), ...filesUnder('checks/lib', ['.ts']), ...filesUnder('checks/fixtures', ['.ts'])];
    const withIds = runner.flatMap((f) => {
      const found = [...ids].filter((id) => code(read(f)).includes(id));
      return found.length > 0 ? [`${f} names ${found.join(', ')}: read it from course.ts (a flag on the lesson, like bench or needs)`] : [];
    });
    expect(withIds).toEqual([]);
    const count = new RegExp(`\\b${lessons.length} (done|lessons)\\b|\\bof ${lessons.length}\\b`);
    const tests = [...filesUnder('test', ['.ts'])].filter((f) => !f.startsWith('test/variants/'));
    const withCount = [...runner, ...tests].filter((f) => count.test(code(read(f)))).map((f) => `${f} writes the number of lessons: use lessons.length`);
    expect(withCount).toEqual([]);
  });
});

for (const l of lessons) {
  describe(`${l.id}`, () => {
    it('has a README, a starter, a solution and a check', () => {
      const files = {
        [`${relative(root, shipped.starterDir(l))}/README.md`]: 'the lesson text, starting with its title',
        [`${relative(root, shipped.starterDir(l))}/server.ts`]: 'the starter the learner edits',
        [`${relative(root, shipped.solutionDir(l))}/server.ts`]: 'the solution',
        [relative(root, shipped.checkFile(l))]: 'the check (export default defineCheck(…))',
      };
      const missing = Object.entries(files).filter(([f]) => !existsSync(join(root, f))).map(([f, what]) => `add ${f}: ${what}`);
      expect(missing, `${l.id} is in course.ts`).toEqual([]);
      expect(l.hints.length, `${l.id} in course.ts: add at least one hint`).toBeGreaterThan(0);
    });

    it('passes on the solution', async () => {
      const r = await check(l.id, solutionOf(l.id));
      expect(r.ok, r.text).toBe(true);
      expect(r.leftovers, 'processes left running').toEqual([]);
    });

    // The starter's run ends at its first ✗: what the check does after it is proven on the solution.
    it('fails on the untouched starter', async () => {
      const r = await check(l.id, starterOf(l.id), { stopWhen: (e) => !e.ok });
      expect(r.ok, r.text).toBe(false);
      expect(r.leftovers, 'processes left running').toEqual([]);
    });

    const variants = variantsOf(l.id);
    it('has at least two known-wrong variants', () => {
      expect(variants.filter((v) => !v.shouldPass).length, `add at least two test/variants/${l.id}/wrong-<what>/ programs, each with a "// fails: <expectation>" line in the file that holds the mistake`).toBeGreaterThanOrEqual(2);
    });
  });
}

// A hint keyed on what an answer says must not fire on the starter, whose TODO answers the same for
// everything: 01's fib returns 0 for every n, which once read as "/work ignores n".
describe('01-single-thread: the untouched starter is told what it lacks', () => {
  it('its fib, still to write, is told to make every call, not that /work ignores n', async () => {
    const r = await check('01-single-thread', starterOf('01-single-thread'), { stopWhen: (e) => !e.ok });
    expect(r.text).toContain('How many calls does fib(');
    expect(r.text).not.toContain('ignores the n');
  });
});
