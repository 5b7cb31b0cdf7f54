// A test variant (test/variants/NN-slug/<name>/): a program the check must reject (wrong-*) or
// accept (ok-*), kept as what differs from the solution (see materialize), and its notes for
// maintainers: `// fails: <expectation>` (the expectation a wrong variant must fail) and
// `// fails-on-node20: <expectation>` (right where Node runs .ts itself, wrong on Node 20), written
// once, in whichever file holds the mistake (08's bench.ts, 06's ecosystem file, a worker file).
// Read by the test suite and by `npm run repeat`.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { applyPatch } from 'diff';
import { pm2TypeScript, root } from '../checks/lib/runner.ts';

export const variantsDir = join(root, 'test', 'variants');

export interface VariantNotes {
  readonly fails?: string;
  readonly failsOnNode20?: string;
}

function filesUnder(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => (e.isDirectory() ? (e.name === 'node_modules' ? [] : filesUnder(join(dir, e.name))) : e.isFile() ? [join(dir, e.name)] : []));
}

/** The notes of the variant in `dir`; two files naming different expectations are a mistake in the variant. */
export function variantNotes(dir: string): VariantNotes {
  const found: { fails?: string; failsOnNode20?: string } = {};
  for (const file of filesUnder(dir).sort()) {
    const text = readFileSync(file, 'utf8');
    for (const [key, re] of [['fails', /\/\/ fails: (.+)/], ['failsOnNode20', /\/\/ fails-on-node20: (.+)/]] as const) {
      const note = re.exec(text)?.[1]?.trim();
      if (note === undefined) continue;
      const before = found[key];
      if (before !== undefined && before !== note) throw new Error(`${dir}: two files name different expectations (${JSON.stringify(before)} and ${JSON.stringify(note)}); keep the line in the file that holds the mistake`);
      found[key] = note;
    }
  }
  return found;
}

/**
 * What the variant in `dir` must get on the running Node: `ok-*` passes, any other fails, first at its
 * `// fails:` expectation; a `fails-on-node20` variant fails where pm2 7 can't run .ts itself.
 */
export function variantVerdict(dir: string): { readonly shouldPass: boolean; readonly fails?: string } {
  const notes = variantNotes(dir);
  if (notes.failsOnNode20 !== undefined && pm2TypeScript() === false) return { shouldPass: false, fails: notes.failsOnNode20 };
  return { shouldPass: basename(dir).startsWith('ok-'), ...(notes.fails !== undefined ? { fails: notes.fails } : {}) };
}

/**
 * A runnable folder for the variant in `dir`. A variant holds only what makes it what it is: files of
 * its own, and `<file>.patch` (a unified diff against the solution's file: `diff -u
 * solutions/NN-slug/server.ts mine.ts > server.ts.patch`); the solution's other files fill in the
 * rest. Any other folder (a solution, a learner's, a complete variant) is run where it is. `done()`
 * removes the built copy.
 */
export function materialize(dir: string, solutionDir: string): { readonly dir: string; done(): void } {
  if (relative(variantsDir, dir).startsWith('..')) return { dir, done: () => undefined };
  const own = filesUnder(dir).map((f) => relative(dir, f));
  const patches = own.filter((f) => f.endsWith('.patch'));
  const missing = filesUnder(solutionDir).map((f) => relative(solutionDir, f)).filter((f) => !own.includes(f) && !patches.includes(`${f}.patch`));
  if (patches.length === 0 && missing.length === 0) return { dir, done: () => undefined };
  const base = join(root, '.workshop', 'variants');
  mkdirSync(base, { recursive: true });
  const built = mkdtempSync(join(base, `${basename(dirname(dir))}-${basename(dir)}-`));
  cpSync(solutionDir, built, { recursive: true, filter: (src) => !src.includes('node_modules') });
  for (const f of own.filter((x) => !x.endsWith('.patch'))) cpSync(join(dir, f), join(built, f));
  for (const p of patches) {
    const target = join(built, p.slice(0, -'.patch'.length));
    const source = existsSync(target) ? readFileSync(target, 'utf8') : '';
    const patched = applyPatch(source, readFileSync(join(dir, p), 'utf8'));
    if (patched === false) {
      rmSync(built, { recursive: true, force: true });
      throw new Error(`${relative(root, join(dir, p))} no longer applies to ${relative(root, join(solutionDir, p.slice(0, -'.patch'.length)))}: the solution changed there. Write the variant's file whole, check it still makes its mistake, and make the patch again with diff -u.`);
    }
    writeFileSync(target, patched);
  }
  return { dir: built, done: () => rmSync(built, { recursive: true, force: true }) };
}
