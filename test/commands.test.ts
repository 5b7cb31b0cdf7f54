// The learner's commands as a learner runs them (npm run hint / compare / reset / progress, npm start
// --once), on a temporary copy of lesson 01 and a temporary progress folder.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { root } from '../checks/lib/runner.ts';
import { lessons } from '../course.ts';
import { processesAbout, tempLessons } from './learner.ts';

let temp: ReturnType<typeof tempLessons>;
let home: string;

beforeEach(() => {
  temp = tempLessons();
  home = mkdtempSync(join(tmpdir(), 'workshop-home-'));
});

afterEach(() => {
  expect(processesAbout(temp.dir), 'processes left behind').toEqual([]);
  temp.remove();
  rmSync(home, { recursive: true, force: true });
});

const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/**
 * `npm run <script> -- args` without a terminal, colours off, on the temporary copy. It runs the
 * script's command line from package.json directly: npm itself adds seconds on a busy machine.
 */
function npm(script: string, args: string[] = [], env: Record<string, string> = {}) {
  const [command, ...rest] = (scripts[script] ?? `missing script ${script}`).split(' ');
  expect(command, `npm run ${script} runs node`).toBe('node');
  const r = spawnSync(process.execPath, [...rest, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 90_000,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CI: '', NO_COLOR: '1', WORKSHOP_HOME: home, WORKSHOP_LESSONS_DIR: temp.dir, ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr.replace(/^npm warn .*\n/gm, '') };
}

/** What the workshop's one state file says (it replaced progress.json and hints.json). */
const state = (): { passed: string[]; hintsSeen: Record<string, number> } => JSON.parse(readFileSync(join(home, 'state.json'), 'utf8'));
const last = lessons.at(-1)?.id ?? '';

const starter = (): Buffer => spawnSync('git', ['show', 'HEAD:lessons/01-single-thread/server.ts'], { cwd: root }).stdout;
const solution = (): Buffer => readFileSync(join(root, 'solutions', '01-single-thread', 'server.ts'));
const server = (): string => join(temp.lesson01, 'server.ts');

describe('npm run reset', () => {
  it('refuses without a terminal to ask in, and changes nothing', () => {
    writeFileSync(server(), solution());
    const r = npm('reset', ['01']);
    expect(r.code, r.err).toBe(1);
    expect(r.err).toMatch(/^✖ .*server\.ts has your changes.*--yes/);
    expect(readFileSync(server()).equals(solution())).toBe(true);
  });

  it('with --yes puts the committed starter back byte for byte and keeps the learner\'s version', () => {
    const mine = Buffer.concat([solution(), Buffer.from('// my notes, with a CRLF\r\n\u00e9\n')]);
    writeFileSync(server(), mine);
    writeFileSync(join(temp.lesson01, 'scratch.ts'), '// mine\n');
    writeFileSync(join(home, 'progress.json'), JSON.stringify({ passed: ['01-single-thread'] }));
    const r = npm('reset', ['1', '--yes']);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(server()).equals(starter()), 'server.ts is the committed starter').toBe(true);
    const backups = readdirSync(join(home, 'backups'));
    expect(backups).toHaveLength(1);
    expect(readFileSync(join(home, 'backups', backups[0] ?? '', 'server.ts')).equals(mine), 'the backup is the learner\'s file').toBe(true);
    expect(readFileSync(join(temp.lesson01, 'scratch.ts'), 'utf8'), 'files of the learner\'s own are left alone').toBe('// mine\n');
    expect(r.out).toContain('Left alone (not part of the starter): scratch.ts');
    expect(state().passed, 'the lesson starts over').toEqual([]);

    const again = npm('reset', ['1']);
    expect(again.code).toBe(0);
    expect(again.out).toContain('already holds the starter');
  });

  it('takes the starter from the workshop as cloned, not from a commit of the learner\'s', () => {
    // A learner's clone of the committed workshop, with their solution committed on top.
    const clone = mkdtempSync(join(tmpdir(), 'workshop-clone-'));
    try {
      const git = (...args: string[]): void => {
        const r = spawnSync('git', ['-c', 'user.name=Learner', '-c', 'user.email=learner@example.com', ...args], { cwd: clone, encoding: 'utf8' });
        expect(r.status, `git ${args.join(' ')}: ${r.stderr}`).toBe(0);
      };
      git('clone', '-q', root, '.');
      symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'));
      const mine = join(clone, 'lessons', '01-single-thread', 'server.ts');
      writeFileSync(mine, solution());
      git('commit', '-q', '-am', 'my lesson 01');
      const env: NodeJS.ProcessEnv = { ...process.env, CI: '', NO_COLOR: '1', WORKSHOP_HOME: home };
      delete env.WORKSHOP_LESSONS_DIR;
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/cli.ts', 'reset', '01', '--yes'], { cwd: clone, encoding: 'utf8', timeout: 90_000, env });
      expect(r.status, r.stderr).toBe(0);
      expect(readFileSync(mine).equals(starter()), 'server.ts is the starter the workshop shipped').toBe(true);
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
  });

  it('needs a lesson, and a real one', () => {
    expect(npm('reset').code).toBe(2);
    const r = npm('reset', ['42', '--yes']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^✖ no lesson "42"/);
  });
});

describe('npm run compare', () => {
  it('shows the lines that differ from the solution as a unified diff', () => {
    const r = npm('compare', ['01']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('--- ');
    expect(r.out).toContain('+++ solutions/01-single-thread/server.ts');
    expect(r.out).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@/m);
    expect(r.out).toMatch(/^- {2}return 0;$/m);
    expect(r.out).toMatch(/^\+ {2}return n < 2 \? n : fib\(n - 1\) \+ fib\(n - 2\);$/m);
    expect(r.out, 'colours are off under NO_COLOR').not.toContain('\x1b[');
    expect(r.out, 'only what differs: the routes are the same').not.toContain("app.get('/'");
  });

  it('says the files are the same, and prints no diff, when they are', () => {
    writeFileSync(server(), solution());
    const r = npm('compare');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('same as the solution');
    expect(r.out).not.toContain('@@');
  });

  it('colours the diff in a terminal', async () => {
    const { colourPatch } = await import('../scripts/views/compare.ts');
    const { pc } = await import('../scripts/views/colors.ts');
    const coloured = colourPatch('--- a\n+++ b\n@@ -1 +1 @@\n-old\n+new\n same');
    if (pc.isColorSupported) expect(coloured).toContain('\x1b[');
    expect(coloured.replace(/\x1b\[\d+m/g, '')).toBe('--- a\n+++ b\n@@ -1 +1 @@\n-old\n+new\n same');
  });
});

describe('npm run hint', () => {
  it('reveals one more hint each time, from the course list', () => {
    const first = npm('hint');
    expect(first.code, first.err).toBe(0);
    expect(first.out).toContain('hint 1 of 3');
    expect(first.out).toContain('1. fib(n) is fib(n - 1) + fib(n - 2)');
    expect(first.out).not.toContain('2. ');
    const second = npm('hint', ['01']);
    expect(second.out).toContain('hint 2 of 3');
    expect(second.out).toContain('2. Read n with Number(req.query.n)');
    const all = npm('hint', ['--all']);
    expect(all.out).toContain('3. Answer with res.json');
  });
});

describe('progress', () => {
  it('npm run progress shows ✓ passed, ▶ current, · to do and a bar', () => {
    writeFileSync(join(home, 'progress.json'), JSON.stringify({ passed: ['01-single-thread'] }));
    const r = npm('progress');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/✓ 01-single-thread/);
    expect(r.out).toMatch(/▶ 02-cluster-fork/);
    expect(r.out).toContain(`· ${last}`);
    expect(r.out).toContain(`1 of ${lessons.length} done`);
  });

  it('a corrupt progress file is reported, set aside and rebuilt, never a crash', () => {
    writeFileSync(join(home, 'progress.json'), '{"passed": ["01-single-thr');
    const r = npm('progress');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/progress file could not be read/);
    expect(r.out).toMatch(/▶ 01-single-thread/);
    expect(state()).toEqual({ passed: [], hintsSeen: {} });
    expect(existsSync(join(home, 'progress.json.corrupt'))).toBe(true);
    const again = npm('progress');
    expect(again.err, 'reported once').not.toMatch(/could not be read/);

    writeFileSync(join(home, 'state.json'), '["not", "an", "object"]');
    const start = npm('start', ['--once']);
    expect(start.err).toMatch(/progress file could not be read/);
    expect(start.code, 'the starter still fails its check').toBe(1);
  });
});

describe('npm run check', () => {
  it('says which lesson it checks and why, and "next" means the first lesson not passed', () => {
    writeFileSync(join(home, 'state.json'), JSON.stringify({ passed: ['02-cluster-fork'], hintsSeen: {} }));
    writeFileSync(server(), solution());
    const r = npm('check');
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toContain('Checking 01-single-thread: the first lesson you have not passed (a later one has)…');
    expect(r.out, 'lesson 02 has passed already: next is 03').toMatch(/✓ 01-single-thread passed\. Next: 03-cpu-count/);
    expect(state().passed).toEqual(['01-single-thread', '02-cluster-fork']);

    const named = npm('check', ['1', '--solution']);
    expect(named.out).toContain('Checking 01-single-thread: its solution…');
  });

  it('--dir with no folder there is a usage error, not the solution built from a variant of nothing', () => {
    // A mistyped variant name under test/variants/ was built as the solution unchanged, and passed.
    const r = npm('check', ['1', '--dir', 'test/variants/01-single-thread/no-such-variant']);
    expect(r.code, r.out + r.err).toBe(2);
    expect(r.err).toContain('--dir test/variants/01-single-thread/no-such-variant: no such folder');
  });

  it('--json to a pipe is whole, however long: a program whose last output is 80 KB', () => {
    // More than a pipe holds (64 KB), whatever the machine's speed: the ✗ quotes the program's last
    // ten lines, 8 KB each (a timeline's length varies with the load: lesson 07's was 62-97 KB).
    // Node's docs call writes to a pipe asynchronous on POSIX, hence the drain before exit in
    // cli.ts; on Linux, with spawnSync reading, removing it did not cut the output here.
    const lines = Array.from({ length: 10 }, (_, i) => `console.log(${JSON.stringify(`${i}`.repeat(8000))});`);
    writeFileSync(server(), `${lines.join('\n')}\nconsole.log('the end');\nprocess.exit(3);\n`);
    const r = npm('check', ['1', '--json']);
    expect(r.code, r.err).toBe(1);
    expect(r.out.length, 'longer than a pipe holds').toBeGreaterThan(65_536);
    const result = JSON.parse(r.out) as { ok: boolean; expectations: { ok: boolean; seen?: string }[] };
    expect(result.ok).toBe(false);
    const seen = result.expectations.find((e) => !e.ok)?.seen ?? '';
    expect(seen, 'the last line, whole').toMatch(/9{8000}\nthe end/);
  });
});

describe('the state file', () => {
  it('takes over progress.json and hints.json of earlier versions', () => {
    writeFileSync(join(home, 'progress.json'), JSON.stringify({ passed: ['01-single-thread'] }));
    writeFileSync(join(home, 'hints.json'), JSON.stringify({ '02-cluster-fork': 2 }));
    const r = npm('hint');
    expect(r.out).toContain(`hint 3 of ${lessons[1]?.hints.length}`);
    expect(state()).toEqual({ passed: ['01-single-thread'], hintsSeen: { '02-cluster-fork': 3 } });
    expect(existsSync(join(home, 'progress.json')) || existsSync(join(home, 'hints.json')), 'the old files are gone').toBe(false);
  });
});

describe('npm start -- --once (and under CI)', () => {
  it('under CI: prints the list and the check once, and exits 1 when the current lesson fails', () => {
    const r = npm('start', [], { CI: 'true' });
    expect(r.code, r.err).toBe(1);
    expect(r.out).toMatch(/▶ 01-single-thread/);
    expect(r.out).toMatch(/edit  .*01-single-thread\/server\.ts/);
    expect(r.out).toMatch(/✗ /);
    expect(r.out).toMatch(/\d+ of \d+ expectations hold/);
  });

  it('with --once: exits 0 on a pass and records it', () => {
    writeFileSync(server(), solution());
    const r = npm('start', ['--once']);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/All \d+ expectations hold/);
    expect(r.out).toContain('✓ 01-single-thread passed');
    expect(state().passed).toEqual(['01-single-thread']);
  });

  it('after the last lesson: says that it ends, and why there is no page to keep open', () => {
    writeFileSync(join(home, 'state.json'), JSON.stringify({ passed: lessons.map((l) => l.id), hintsSeen: {} }));
    const r = npm('start', ['--no-web']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('you have finished the workshop');
    expect(r.out).toContain('Nothing is left to watch, so npm start ends here (with --no-web there is no page to keep open).');
  });

  it('exits 2 on a usage error', () => {
    const r = npm('start', ['--port', 'eighty']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^✖ --port takes a port number/);
  });
});
