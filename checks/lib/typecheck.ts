// Type errors do not stop tsx (it only strips types), so the check runs the compiler itself.
import { execFile, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { reaper } from './group.ts';
import { root, tscBin } from './paths.ts';

/**
 * TypeScript 7's compiler is a native program; its `bin/tsc` is a Node script that finds it and
 * starts it (through a second process on Node < 22.15). Starting the native program directly saves
 * a Node start on every check: 0.25 s instead of 0.36 s of CPU, wall 0.79× on this loaded machine
 * (5 paired runs on lesson 05's solution). The script stays the fallback.
 */
function compiler(): { readonly file: string; readonly args: readonly string[] } {
  try {
    const fromTypescript = createRequire(join(dirname(tscBin), '..', 'package.json'));
    const pkg = fromTypescript.resolve(`@typescript/typescript-${process.platform}-${process.arch}/package.json`);
    const exe = join(dirname(pkg), 'lib', process.platform === 'win32' ? 'tsc.exe' : 'tsc');
    if (existsSync(exe)) return { file: exe, args: [] };
  } catch {
    // Not TypeScript 7's layout: run its script.
  }
  return { file: process.execPath, args: [tscBin] };
}
const tsc = compiler();

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(m|c)?ts$/.test(e.name) && !e.parentPath.includes('node_modules'))
    .map((e) => join(e.parentPath, e.name));
}

/**
 * Compilers still running: killed if we end first (Ctrl-C in npm start), so none outlives us. The
 * reaper's exit hook runs this; after a death that runs no hook, its watchdog finds the compiler
 * by the run marker every child inherits.
 */
const running = new Set<ChildProcess>();
reaper.onExit(() => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Compile-check every .ts file of a folder with the workshop's settings; '' when clean, else tsc's
 * errors. Aborting `signal` kills the compiler (the result then no longer matters).
 */
export function typecheck(dir: string, signal?: AbortSignal): Promise<string> {
  const files = tsFiles(dir);
  if (files.length === 0) return Promise.resolve('');
  const args = [
    ...tsc.args,
    '--ignoreConfig',
    '--singleThreaded', // one small folder: threads would only compete with the program starting beside it
    '--noEmit',
    '--pretty',
    'false',
    '--strict',
    '--target',
    'es2022',
    '--module',
    'nodenext',
    '--moduleResolution',
    'nodenext',
    '--allowImportingTsExtensions',
    // As the workshop's tsconfig (so the editor agrees): an import that only brings types must say
    // `type`, because Node's type stripping keeps every other import and the module may export no
    // such value (express has no Request at run time). tsx honours the same setting.
    '--verbatimModuleSyntax',
    '--skipLibCheck',
    '--types',
    'node',
    '--typeRoots',
    join(root, 'node_modules/@types'),
    ...files,
  ];
  return new Promise((resolve) => {
    // Run from the workshop's root so that tsc names files the way an editor does. The timeout is
    // wide: on a loaded machine (load average 130 on 2 cores) tsc took 19.6 s of wall time for
    // 0.4 s of CPU, and a compiler killed by the timeout would read as a type error.
    const child = execFile(tsc.file, args, { cwd: root, timeout: 60_000, ...(signal ? { signal } : {}) }, (err, stdout, stderr) => {
      const verdict = err ? `${stdout}${stderr}`.trim() || `tsc failed: ${err.message}` : '';
      const settle = (): void => {
        running.delete(child);
        resolve(verdict);
      };
      // On abort this runs at once, before the killed compiler has exited: settle when it has.
      if (child.exitCode !== null || child.signalCode !== null) settle();
      else child.once('exit', settle);
    });
    running.add(child);
  });
}
