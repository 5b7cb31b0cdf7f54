// A test variant (test/variants/NN-slug/<name>/): a program the check must reject (wrong-*) or
// accept (ok-*), kept as what differs from the solution (the runner builds it: checks/lib/runnable.ts), and its notes for
// maintainers: `// fails: <expectation>` (the expectation a wrong variant must fail) and
// `// fails-on-node20: <expectation>` (right where Node runs .ts itself, wrong on Node 20) and
// `// fails-on-node26: <expectation>` (right where server.close() keeps a connection whose request
// is not read yet, Node 20 and 24; wrong where it resets it, Node 26: nodejs/node#63470), written
// once, in whichever file holds the mistake (08's bench.ts, 06's ecosystem file, a worker file,
// 09's nginx.conf, where the line starts with # instead).
// Read by the test suite and by `npm run repeat`.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { closeResetsUnread, filesUnder, pm2TypeScript, variantsDir } from '../checks/lib/runner.ts';

export { variantsDir };

export interface VariantNotes {
  readonly fails?: string;
  readonly failsOnNode20?: string;
  readonly failsOnNode26?: string;
}

/** The notes of the variant in `dir`; two files naming different expectations are a mistake in the variant. */
export function variantNotes(dir: string): VariantNotes {
  const found: { fails?: string; failsOnNode20?: string; failsOnNode26?: string } = {};
  for (const file of filesUnder(dir).sort()) {
    const text = readFileSync(file, 'utf8');
    // `//` in code, `#` in a configuration file (nginx.conf).
    for (const [key, re] of [['fails', /(?:\/\/|#) fails: (.+)/], ['failsOnNode20', /(?:\/\/|#) fails-on-node20: (.+)/], ['failsOnNode26', /(?:\/\/|#) fails-on-node26: (.+)/]] as const) {
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
 * `// fails:` expectation; a `fails-on-node20` variant fails where pm2 7 can't run .ts itself, a
 * `fails-on-node26` one where server.close() resets a connection it has not read (and passes elsewhere).
 */
export function variantVerdict(dir: string): { readonly shouldPass: boolean; readonly fails?: string } {
  const notes = variantNotes(dir);
  if (notes.failsOnNode20 !== undefined && pm2TypeScript() === false) return { shouldPass: false, fails: notes.failsOnNode20 };
  if (notes.failsOnNode26 !== undefined) return closeResetsUnread() ? { shouldPass: false, fails: notes.failsOnNode26 } : { shouldPass: true };
  return { shouldPass: basename(dir).startsWith('ok-'), ...(notes.fails !== undefined ? { fails: notes.fails } : {}) };
}
