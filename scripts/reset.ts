// npm run reset -- <lesson> [--yes]: put the lesson's starter files back, byte for byte as the
// workshop ships them in git. Asks first when that would overwrite changes, and keeps those files in
// a backup.
import './require-node.ts';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { pc } from '../checks/lib/colors.ts';
import type { Lesson } from '../course.ts';
import { root } from '../checks/lib/index.ts';
import { isEntry, Refusal, runCommand, UsageError } from './cli.ts';
import { forgetHints } from './hint.ts';
import { markPending, stateDir } from './progress.ts';
import { learnerDir, lessonFiles, oneLesson, resolveLesson, shown } from './where.ts';

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

function git(args: readonly string[]): Buffer {
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
export function starterRef(): string {
  try {
    execFileSync('git', ['rev-parse', '--verify', '--quiet', '@{upstream}'], { cwd: root, stdio: 'ignore' });
    return '@{upstream}';
  } catch {
    return 'HEAD';
  }
}

/** The lesson's files as the workshop ships them, keyed by their path inside the lesson folder. */
export function starterFiles(lesson: Lesson, ref = starterRef()): Map<string, Buffer> {
  const prefix = `lessons/${lesson.id}/`;
  // Paths come out relative to root, so this works when the workshop is a folder of a larger repo.
  const names = git(['ls-tree', '-r', '-z', '--name-only', ref, '--', prefix]).toString('utf8').split('\0').filter(Boolean);
  if (names.length === 0) throw new Refusal(`git has no committed files under ${prefix} (in ${ref}): nothing to reset to`);
  return new Map(names.map((n) => [n.slice(prefix.length), git(['show', `${ref}:./${n}`])]));
}

export function planReset(lesson: Lesson, dir = learnerDir(lesson)): ResetPlan {
  const starters = starterFiles(lesson);
  const files = [...starters].map(([name, starter]): ResetFile => {
    const path = join(dir, name);
    if (!existsSync(path)) return { name, starter, state: 'missing' };
    return { name, starter, state: readFileSync(path).equals(starter) ? 'same' : 'changed' };
  });
  const extra = lessonFiles(dir).filter((f) => !starters.has(f));
  return { lesson, dir, files, extra };
}

/** Copy the changed files aside, then write the starters. Returns the backup folder, if one was made. */
export function applyReset(plan: ResetPlan, backups = join(stateDir, 'backups')): string | undefined {
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

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ allowPositionals: true, options: { yes: { type: 'boolean', short: 'y' } } });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const ref = oneLesson(parsed.positionals);
  if (ref === undefined) throw new UsageError('name the lesson to start over, e.g. npm run reset -- 01');
  const lesson = resolveLesson(ref);
  if (!lesson) throw new UsageError(`no lesson "${ref}"`);
  const plan = planReset(lesson);
  const changed = plan.files.filter((f) => f.state === 'changed');
  const missing = plan.files.filter((f) => f.state === 'missing');
  if (changed.length === 0 && missing.length === 0) {
    console.log(`${shown(plan.dir)}/ already holds the starter: nothing to reset.`);
    return 0;
  }
  if (changed.length > 0 && !parsed.values.yes) {
    const names = changed.map((f) => shown(join(plan.dir, f.name))).join(', ');
    if (!process.stdin.isTTY) {
      throw new Refusal(`${names} has your changes; to replace it with the starter (a backup is kept) run: npm run reset -- ${lesson.id} --yes`);
    }
    console.log(`This replaces your changes in ${pc.bold(names)} with the starter (a copy is kept under ${shown(join(stateDir, 'backups'))}/).`);
    if (!(await confirm('Start the lesson over? [y/N] '))) {
      console.log('Nothing changed.');
      return 0;
    }
  }
  const backup = applyReset(plan);
  markPending(lesson.id);
  forgetHints(lesson.id);
  for (const f of [...changed, ...missing]) console.log(`  ${pc.green('↺')} ${shown(join(plan.dir, f.name))}`);
  if (backup) console.log(`Your version is kept in ${shown(backup)}/`);
  if (plan.extra.length > 0) console.log(pc.dim(`Left alone (not part of the starter): ${plan.extra.join(', ')}`));
  console.log(`${lesson.id} starts over. Run npm start to work on it.`);
  return 0;
}

if (isEntry(import.meta)) await runCommand(main, 'npm run reset -- <lesson> [--yes]');
