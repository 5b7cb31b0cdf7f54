// npm run ci-lessons  (CI runs it on an extra Node version, e.g. 26)
// Every lesson in course.ts, through the command a learner types: `npm run check -- <id> --solution`
// must pass and the untouched starter must fail — by an expectation, not by a bug of the check.
// Exit 0 when every lesson behaves, 1 otherwise (the output of each surprise is printed).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { root, type CheckResult } from '../../checks/lib/runner.ts';
import { defineCommand } from '../command.ts';

interface Run {
  readonly code: number | null;
  readonly out: string;
  readonly ms: number;
}

/** `npm run check -- <args> --json` as a child (no npm in between: its pid is the runner's). */
function check(args: readonly string[]): Promise<Run> {
  const started = performance.now();
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, join(root, 'scripts', 'cli.ts'), 'check', ...args, '--json'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, ms: performance.now() - started });
    });
  });
}

function parse(out: string): CheckResult | undefined {
  const at = out.indexOf('{');
  try {
    return at >= 0 ? (JSON.parse(out.slice(at)) as CheckResult) : undefined;
  } catch {
    return undefined;
  }
}

/** Why a run is not what CI wants, or undefined when it is. */
export function surprise(run: Run, shouldPass: boolean): string | undefined {
  const r = parse(run.out);
  if (!r) return `no verdict (exit code ${run.code})`;
  if (shouldPass) return run.code === 0 && r.ok ? undefined : `failed: ${r.expectations.filter((e) => !e.ok).map((e) => e.name).join('; ')}`;
  if (run.code !== 1 || r.ok) return `passed (exit code ${run.code}), but the starter must fail`;
  const bug = r.expectations.find((e) => e.seen?.startsWith('the check itself failed'));
  return bug ? `failed by a bug of the check: ${bug.seen?.split('\n')[0]}` : undefined;
}

export const ciLessons = defineCommand({
  name: 'ci-lessons',
  usage: 'npm run ci-lessons',
  options: {},
  positionals: 0,
  async run(_args, { ws }) {
    console.log(`Node ${process.version}: each lesson's solution must pass, its starter must fail`);
    let bad = 0;
    for (const lesson of ws.lessons) {
      for (const [what, args, shouldPass] of [
        ['solution', [lesson.id, '--solution'], true],
        ['starter', [lesson.id, '--dir', ws.starterDir(lesson)], false],
      ] as const) {
        const run = await check(args);
        const why = surprise(run, shouldPass);
        console.log(`${why ? '✗' : '✓'} ${lesson.id} ${what} ${shouldPass ? 'passes' : 'fails'} · ${(run.ms / 1000).toFixed(1)} s${why ? ` — ${why}` : ''}`);
        if (why) {
          bad++;
          console.log(run.out.replace(/^/gm, '    '));
        }
      }
    }
    console.log(bad === 0 ? `All ${ws.lessons.length} lessons as expected on Node ${process.version}.` : `${bad} surprise(s) on Node ${process.version}.`);
    return bad === 0 ? 0 : 1;

  },
});
