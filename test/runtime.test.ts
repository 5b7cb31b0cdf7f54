// How a learner's program is started: natively where Node strips types (22.18+), through tsx on
// Node 20 or when the folder holds what native stripping cannot run (then with a note that says why).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from '../checks/lib/runner.ts';
import { nativeFindings, nativeStartFix, nativeTypeScript, planRun, runtimeNote, startCommand } from '../checks/lib/runtime.ts';
import { typecheck } from '../checks/lib/typecheck.ts';
import { check, solutionOf, variantsDir } from './helpers.ts';

const variant = (name: string): string => join(variantsDir, '01-single-thread', name);
const refuses = (code: string): string => {
  if (/\benum\b/.test(code)) throw new Error('TypeScript enum is not supported in strip-only mode');
  return code;
};

describe('what native type stripping cannot run', () => {
  it('finds syntax that needs a transform, by asking the stripper only when a file may hold some', () => {
    let asked = 0;
    const counting = (code: string): string => {
      asked++;
      return refuses(code);
    };
    expect(nativeFindings('/x/a.ts', 'const a: number = 1;\nexport { a };\n', 'a.ts', counting)).toEqual([]);
    expect(asked).toBe(0);
    const found = nativeFindings('/x/a.ts', 'enum Route { Root }\n', 'a.ts', counting);
    expect(asked).toBe(1);
    expect(found.join('\n')).toMatch(/a\.ts: TypeScript enum is not supported by Node's type stripping .*const object/);
  });

  it("finds import './x.js' for a sibling x.ts, and only when x.js does not exist", () => {
    const dir = mkdtempSync(join(root, '.workshop', 'runtime-'));
    try {
      writeFileSync(join(dir, 'fib.ts'), 'export const fib = 1;\n');
      writeFileSync(join(dir, 'other.js'), 'export const other = 1;\n');
      writeFileSync(join(dir, 'other.ts'), 'export const other = 1;\n');
      const src = "import { fib } from './fib.js';\nimport { other } from './other.js';\nawait import('./fib.js');\n";
      const found = nativeFindings(join(dir, 'server.ts'), src, 'server.ts', refuses);
      expect(found).toHaveLength(2);
      expect(found[0]).toContain("name the file: import './fib.ts'");
      expect(nativeFindings(join(dir, 'server.ts'), "import { fib } from './fib.ts';\n", 'server.ts', refuses)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the fix when a start dies of a native-only error (on a Node that strips types)', () => {
    const fix = nativeStartFix("Error [ERR_MODULE_NOT_FOUND]: Cannot find module '/w/fib.js' imported from /w/server.ts");
    if (nativeTypeScript) expect(fix).toContain("import './fib.ts'");
    else expect(fix).toBeUndefined();
    expect(nativeStartFix('TypeError: x is not a function')).toBeUndefined();
  });
});

describe(`starting a program on Node ${process.versions.node}`, () => {
  it(nativeTypeScript ? 'runs a solution as node server.ts' : 'runs a solution through tsx', () => {
    const plan = planRun(solutionOf('05'));
    expect(plan.native).toBe(nativeTypeScript);
    expect(plan.nodeArgs.length === 0).toBe(nativeTypeScript);
    expect(startCommand(solutionOf('05'), 'server.ts')).toBe(nativeTypeScript ? 'PORT=3000 node server.ts' : 'PORT=3000 node --import tsx server.ts');
  });

  it('runs a folder that native stripping cannot run through tsx, with a note that says why', () => {
    for (const [name, says] of [['ok-js-extension-import', /import '\.\/fib\.ts'/], ['ok-enum-parameter-property', /enum/]] as const) {
      const plan = planRun(variant(name));
      expect(plan.native, name).toBe(false);
      expect(plan.nodeArgs, name).toContain('--import');
      if (nativeTypeScript) expect(runtimeNote(variant(name)), name).toMatch(says);
      else expect(runtimeNote(variant(name)), name).toBeUndefined();
    }
  });

  it('puts the note in the verdict of a passing check', async () => {
    const r = await check('01', variant('ok-js-extension-import'));
    expect(r.ok, r.text).toBe(true);
    if (nativeTypeScript) expect(r.text).toMatch(/⚠ Checked through tsx: `node server\.ts` on Node .* would stop at/);
    else expect(r.text).not.toMatch(/Checked through tsx/);
    expect(r.leftovers, 'processes left running').toEqual([]);
  });
});

describe('the compiler settings', () => {
  it('refuse a type imported as a value (Node keeps the import; express has no Request at run time)', async () => {
    mkdirSync(join(root, '.workshop'), { recursive: true });
    const dir = mkdtempSync(join(root, '.workshop', 'verbatim-'));
    try {
      writeFileSync(join(dir, 'server.ts'), "import express, { Request } from 'express';\nconst app = express();\napp.get('/', (_req: Request, res) => { res.json({}); });\n");
      expect(await typecheck(dir)).toMatch(/TS1484/);
      writeFileSync(join(dir, 'server.ts'), "import express, { type Request } from 'express';\nconst app = express();\napp.get('/', (_req: Request, res) => { res.json({}); });\n");
      expect(await typecheck(dir)).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
