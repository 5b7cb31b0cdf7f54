// How a learner's program starts on the Node that runs the check, the way the lesson READMEs tell
// the learner to start it: `node server.ts` where Node strips types itself (process.features.
// typescript, Node 22.18+, 'strip' on 24 and 26), `node --import tsx server.ts` on Node 20. Forked
// cluster workers inherit process.execArgv, so the choice holds for the workers too.
//
// Native stripping runs less than tsx does. Before a native start the folder is scanned for what
// it cannot run — syntax that needs a transform (enum, namespace, parameter properties: Node's own
// stripTypeScriptTypes refuses them), `import './x.js'` for a sibling x.ts (TypeScript's nodenext
// resolution accepts it; Node looks for x.js), and names imported without `type` that are used only
// as types (tsx drops them; Node keeps the import and the module has no such export). Such a program
// is still judged on its behaviour, through tsx, and the check adds a note that says what
// `node server.ts` would stop at and how to fix it.
import * as nodeModule from 'node:module';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { tsxLoader } from './paths.ts';

type Strip = (code: string) => string;
// Typed here: the workshop's @types/node is 20's, which has neither.
const strip = (nodeModule as { stripTypeScriptTypes?: Strip }).stripTypeScriptTypes;
const features = process.features as { typescript?: string | false };

/**
 * True when this Node runs .ts files by itself (Node ≥ 22.18 unless turned off). WORKSHOP_RUNTIME=tsx
 * starts learner programs through tsx anyway: to compare the two on one Node (bench-checks).
 */
export const nativeTypeScript = Boolean(features.typescript) && strip !== undefined && process.env.WORKSHOP_RUNTIME !== 'tsx';

export function runtimeLabel(): string {
  return nativeTypeScript ? `native TypeScript (${String(features.typescript)})` : 'tsx';
}

export interface RunPlan {
  /** True when the program starts as `node <entry>`. */
  readonly native: boolean;
  /** Node's arguments before the entry file. */
  readonly nodeArgs: readonly string[];
  /** Why it runs through tsx although this Node strips types: one line per finding, with the fix. */
  readonly findings: readonly string[];
}

const TSX: readonly string[] = ['--import', tsxLoader];

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(m|c)?ts$/.test(e.name) && !e.name.endsWith('.d.ts') && !e.parentPath.includes('node_modules'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** stripTypeScriptTypes warns that it is experimental (Node 22–24): not the learner's business. */
function quietStrip(fn: Strip, code: string): string {
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (String(typeof warning === 'string' ? warning : warning.message).includes('stripTypeScriptTypes')) return;
    (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return fn(code);
  } finally {
    process.emitWarning = emit;
  }
}

/**
 * What may need more than stripping (TypeScript's erasableSyntaxOnly list): enum, namespace/module
 * blocks, parameter properties, `import x =`, `export =`, decorators, `<T>value` assertions. Only a
 * file that matches is given to stripTypeScriptTypes, whose first call compiles a WebAssembly
 * module (0.4–0.7 s on this loaded machine). If it misses something, the start dies with
 * ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX and nativeStartFix() names the fix.
 */
const MAYBE_NOT_ERASABLE =
  /\benum\s+[\w$]+\s*\{|\b(?:namespace|module)\s+[\w$.]+\s*\{|\bconstructor\s*\([^)]*\b(?:public|private|protected|readonly|override)\s|\bimport\s+[\w$]+\s*=(?!=)|\bexport\s*=(?!=)|^\s*@[\w$]|(?<![\w$)\]>])\s*<[\w$.]+(?:\[\])?>\s*[\w$(]/m;

const RELATIVE_JS = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]*?)\.(m|c)?js\1/g;

/** What native stripping cannot run in one file; [] when it can. */
export function nativeFindings(file: string, source: string, shown: string, fn: Strip): string[] {
  const found: string[] = [];
  try {
    if (MAYBE_NOT_ERASABLE.test(source)) quietStrip(fn, source);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const line = err instanceof Error ? /^:(\d+)$/m.exec(err.stack ?? '')?.[1] : undefined;
    found.push(`${shown}${line ? `:${line}` : ''}: ${message.replace(/ in strip-only mode$/, '')} by Node's type stripping — write it as JavaScript with type annotations (a const object instead of an enum, fields assigned in the constructor instead of parameter properties)`);
  }
  for (const m of source.matchAll(RELATIVE_JS)) {
    const [, , base = '', flavour = ''] = m;
    const asJs = join(dirname(file), `${base}.${flavour}js`);
    const asTs = join(dirname(file), `${base}.${flavour}ts`);
    if (!existsSync(asJs) && existsSync(asTs)) {
      found.push(`${shown}: import '${base}.${flavour}js' finds no such file when Node runs the .ts itself — name the file: import '${base}.${flavour}ts'`);
    }
  }
  return found;
}

const plans = new Map<string, { key: string; plan: RunPlan }>();

/**
 * How to start the programs of this folder on this Node. Remembered per folder until one of its
 * .ts files changes (watch mode re-runs on every save; a check starts several programs).
 */
export function planRun(dir: string): RunPlan {
  if (!nativeTypeScript || !strip) return { native: false, nodeArgs: TSX, findings: [] };
  const files = tsFiles(dir);
  const key = files.map((f) => {
    const s = statSync(f);
    return `${f}:${s.mtimeMs}:${s.size}`;
  }).join('|');
  const known = plans.get(dir);
  if (known?.key === key) return known.plan;
  const findings = files.flatMap((f) => nativeFindings(f, readFileSync(f, 'utf8'), relative(dir, f), strip));
  const plan: RunPlan = findings.length > 0 ? { native: false, nodeArgs: TSX, findings } : { native: true, nodeArgs: [], findings: [] };
  plans.set(dir, { key, plan });
  return plan;
}

/** Node's arguments before the entry file, for a program of this folder. */
export function nodeArgs(dir: string): readonly string[] {
  return planRun(dir).nodeArgs;
}

/** The command that starts it by hand, as the learner would type it in the folder. */
export function startCommand(dir: string, entry: string, env = 'PORT=3000'): string {
  const how = planRun(dir).native ? 'node' : 'node --import tsx';
  return `${env ? `${env} ` : ''}${how} ${entry}`;
}

/** The note a check adds when this Node strips types but the folder had to run through tsx. */
export function runtimeNote(dir: string, entry = 'server.ts'): string | undefined {
  const plan = planRun(dir);
  if (plan.native || plan.findings.length === 0) return undefined;
  return [
    `⚠ Checked through tsx: \`node ${entry}\` on Node ${process.versions.node} would stop at:`,
    ...plan.findings.map((f) => `  · ${f}`),
    `The check judged what your program does; run by hand as the README says, it does not start until you change ${plan.findings.length === 1 ? 'that line' : 'these lines'}.`,
  ].join('\n');
}

/**
 * The fix for a start that died of something only native stripping refuses (a case the scan above
 * missed); undefined for any other error.
 */
export function nativeStartFix(output: string): string | undefined {
  if (!nativeTypeScript) return undefined;
  if (/ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX/.test(output)) {
    return "Node runs the .ts as it is and only strips types: no enum, namespace or parameter properties (a const object; fields assigned in the constructor).";
  }
  if (/does not provide an export named|Named export '[^']+' not found/.test(output)) {
    return 'Node keeps every import it does not know to be a type: import types with `import type { … }` or `{ type … }`.';
  }
  if (/ERR_MODULE_NOT_FOUND/.test(output) && /Cannot find module '[^']*\.js'/.test(output)) {
    return "Node runs the .ts files themselves: a relative import names the .ts file (import './fib.ts').";
  }
  return undefined;
}
