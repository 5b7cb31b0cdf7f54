// npm run reset -- <lesson> [--yes]: put the lesson's starter files back, byte for byte as the
// workshop ships them in git. Asks first when that would overwrite changes, and keeps those files in
// a backup. The lesson starts over: not passed, no hint seen.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Lesson } from '../../course.ts';
import { confirm } from '../ask.ts';
import { defineCommand } from '../command.ts';
import { Refusal, UsageError } from '../errors.ts';
import { namedLesson } from '../lesson-arg.ts';
import { pc } from '../views/colors.ts';
import { lessonFiles, type Workshop } from '../workshop.ts';

export interface ResetFile {
  /** Path inside the lesson folder. */
  readonly name: string;
  readonly starter: Buffer;
  readonly state: 'same' | 'changed' | 'missing';
}

export interface ResetPlan {
  readonly lesson: Lesson;
  readonly dir: string;
  readonly files: readonly ResetFile[];
  /** Files the learner added: left alone. */
  readonly extra: readonly string[];
}

function git(root: string, args: readonly string[]): Buffer {
  try {
    return execFileSync('git', args, { cwd: root, maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const why = (err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message;
    throw new Refusal(`reset reads the starter from git, and git said: ${why}`);
  }
}

/**
 * The commit the starters come from: the branch's upstream (the workshop as cloned or last pulled),
 * so a learner who commits their own work still gets the starter back; HEAD when there is none.
 */
function starterRef(root: string): string {
  try {
    execFileSync('git', ['rev-parse', '--verify', '--quiet', '@{upstream}'], { cwd: root, stdio: 'ignore' });
    return '@{upstream}';
  } catch {
    return 'HEAD';
  }
}

/** The lesson's files as the workshop ships them (lessons/<id>/ in git), keyed by their path inside the folder. */
function starterFiles(ws: Workshop, lesson: Lesson): Map<string, Buffer> {
  const ref = starterRef(ws.root);
  const prefix = `${relative(ws.root, ws.starterDir(lesson))}/`;
  // Paths come out relative to root, so this works when the workshop is a folder of a larger repo.
  const names = git(ws.root, ['ls-tree', '-r', '-z', '--name-only', ref, '--', prefix]).toString('utf8').split('\0').filter(Boolean);
  if (names.length === 0) throw new Refusal(`git has no committed files under ${prefix} (in ${ref}): nothing to reset to`);
  return new Map(names.map((n) => [n.slice(prefix.length), git(ws.root, ['show', `${ref}:./${n}`])]));
}

function planReset(ws: Workshop, lesson: Lesson): ResetPlan {
  const dir = ws.learnerDir(lesson);
  const starters = starterFiles(ws, lesson);
  const files = [...starters].map(([name, starter]): ResetFile => {
    const path = join(dir, name);
    if (!existsSync(path)) return { name, starter, state: 'missing' };
    return { name, starter, state: readFileSync(path).equals(starter) ? 'same' : 'changed' };
  });
  const extra = lessonFiles(dir).filter((f) => !starters.has(f));
  return { lesson, dir, files, extra };
}

/** Copy the changed files aside, then write the starters. Returns the backup folder, if one was made. */
function applyReset(plan: ResetPlan, backups: string): string | undefined {
  const changed = plan.files.filter((f) => f.state === 'changed');
  let backup: string | undefined;
  if (changed.length > 0) {
    backup = join(backups, `${plan.lesson.id}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    for (const f of changed) {
      mkdirSync(dirname(join(backup, f.name)), { recursive: true });
      copyFileSync(join(plan.dir, f.name), join(backup, f.name));
    }
  }
  for (const f of plan.files) {
    if (f.state === 'same') continue;
    mkdirSync(dirname(join(plan.dir, f.name)), { recursive: true });
    writeFileSync(join(plan.dir, f.name), f.starter);
  }
  return backup;
}

export const reset = defineCommand({
  name: 'reset',
  usage: 'npm run reset -- <lesson> [--yes]',
  options: { yes: { type: 'boolean', short: 'y' } },
  positionals: 1,
  async run({ values, positionals }, { ws }) {
    const ref = positionals[0];
    if (ref === undefined) throw new UsageError('name the lesson to start over, e.g. npm run reset -- 01');
    const lesson = namedLesson(ws, ref);
    const backups = join(ws.stateDir, 'backups');
    const plan = planReset(ws, lesson);
    const changed = plan.files.filter((f) => f.state === 'changed');
    const missing = plan.files.filter((f) => f.state === 'missing');
    if (changed.length === 0 && missing.length === 0) {
      console.log(`${ws.shown(plan.dir)}/ already holds the starter: nothing to reset.`);
      return 0;
    }
    if (changed.length > 0 && !values.yes) {
      const names = changed.map((f) => ws.shown(join(plan.dir, f.name))).join(', ');
      if (!process.stdin.isTTY) {
        throw new Refusal(`${names} has your changes; to replace it with the starter (a backup is kept) run: npm run reset -- ${lesson.id} --yes`);
      }
      console.log(`This replaces your changes in ${pc.bold(names)} with the starter (a copy is kept under ${ws.shown(backups)}/).`);
      if (!(await confirm('Start the lesson over?'))) {
        console.log('Nothing changed.');
        return 0;
      }
    }
    const backup = applyReset(plan, backups);
    ws.reset(lesson);
    for (const f of [...changed, ...missing]) console.log(`  ${pc.green('↺')} ${ws.shown(join(plan.dir, f.name))}`);
    if (backup) console.log(`Your version is kept in ${ws.shown(backup)}/`);
    if (plan.extra.length > 0) console.log(pc.dim(`Left alone (not part of the starter): ${plan.extra.join(', ')}`));
    console.log(`${lesson.id} starts over. Run npm start to work on it.`);
    return 0;
  },
});
