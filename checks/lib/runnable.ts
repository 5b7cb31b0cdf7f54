// Where a check runs a folder: in place, unless it can't run there as it is. A folder outside the
// workshop would not find its packages (express, tsx) nor run as ESM: it runs from a copy under
// .workshop/outside/. A test variant (test/variants/NN-slug/<name>/) holds only what makes it what it
// is: files of its own, and `<file>.patch` (a unified diff against the solution's file: `diff -u
// solutions/NN-slug/server.ts mine.ts > server.ts.patch`); it runs from a build under
// .workshop/variants/: the solution, its own files over it, its patches applied. The runner owns
// this, so every caller (npm run check --dir, npm run repeat, the tests) runs a folder the same way.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { applyPatch } from 'diff';
import { root } from './paths.ts';

export const variantsDir = join(root, 'test', 'variants');

/** Every file under `dir`, node_modules left out. */
export function filesUnder(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => (e.isDirectory() ? (e.name === 'node_modules' ? [] : filesUnder(join(dir, e.name))) : e.isFile() ? [join(dir, e.name)] : []));
}

const inside = (parent: string, dir: string): boolean => !relative(parent, dir).startsWith('..');

/** Where the copies of `dir` go: a folder outside the workshop, or a variant built from patches. */
const copyBase = (dir: string, kind: 'outside' | 'variants'): string =>
  join(root, '.workshop', kind, `${kind === 'outside' ? basename(dir) : `${basename(dirname(dir))}-${basename(dir)}`}-`);

/** The path prefixes of every copy a check of `dir` may run from (for whoever looks for leftovers). */
export const copyPrefixes = (dir: string): string[] => [copyBase(dir, 'outside'), copyBase(dir, 'variants')];

const copyOf = (from: string, prefix: string): string => {
  mkdirSync(dirname(prefix), { recursive: true });
  const copy = mkdtempSync(prefix);
  cpSync(from, copy, { recursive: true, filter: (src) => !src.includes('node_modules') });
  return copy;
};

/** The folder to run for `dir` (the lesson's solution fills in a variant); `done()` removes a copy. */
export function runnable(dir: string, solutionDir: string): { readonly dir: string; done(): void } {
  if (!inside(root, dir)) {
    const copy = copyOf(dir, copyBase(dir, 'outside'));
    return { dir: copy, done: () => rmSync(copy, { recursive: true, force: true }) };
  }
  if (!inside(variantsDir, dir)) return { dir, done: () => undefined };
  const own = filesUnder(dir).map((f) => relative(dir, f));
  const patches = own.filter((f) => f.endsWith('.patch'));
  const missing = filesUnder(solutionDir).map((f) => relative(solutionDir, f)).filter((f) => !own.includes(f) && !patches.includes(`${f}.patch`));
  if (patches.length === 0 && missing.length === 0) return { dir, done: () => undefined }; // a whole program
  const built = copyOf(solutionDir, copyBase(dir, 'variants'));
  const done = (): void => rmSync(built, { recursive: true, force: true });
  for (const f of own.filter((x) => !x.endsWith('.patch'))) cpSync(join(dir, f), join(built, f));
  for (const p of patches) {
    const target = join(built, p.slice(0, -'.patch'.length));
    const patched = applyPatch(existsSync(target) ? readFileSync(target, 'utf8') : '', readFileSync(join(dir, p), 'utf8'));
    if (patched === false) {
      done();
      throw new Error(`${relative(root, join(dir, p))} no longer applies to ${relative(root, join(solutionDir, p.slice(0, -'.patch'.length)))}: the solution changed there. Write the variant's file whole, check it still makes its mistake, and make the patch again with diff -u.`);
    }
    writeFileSync(target, patched);
  }
  return { dir: built, done };
}
