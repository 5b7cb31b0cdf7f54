// The learner's workshop, owned in one place: where each lesson's files are, what the learner has
// done (lessons passed, hints seen: one state file), which lesson is current, and the rows both faces
// show. Built once per process from the environment (`openWorkshop(process.env)`) and handed to the
// commands, the watch loop and the web page; the only module that reads WORKSHOP_HOME and
// WORKSHOP_LESSONS_DIR, and the only one that reads or writes the state file.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { findLesson, lessons, type Lesson } from '../course.ts';
import { root } from '../checks/lib/paths.ts';

/** The environment variables the workshop reads (tests pass their own, never touching process.env). */
export interface WorkshopEnv {
  /** Where the state file and reset backups live (default <workshop>/.workshop). */
  readonly WORKSHOP_HOME?: string | undefined;
  /** Where the learner's lesson folders are (default <workshop>/lessons). */
  readonly WORKSHOP_LESSONS_DIR?: string | undefined;
}

/** A lesson's place in the course as the learner sees it: the list's ✓ ▶ ·, on both faces. */
export type LessonState = 'passed' | 'current' | 'todo';

export interface Row {
  readonly lesson: Lesson;
  readonly state: LessonState;
}

/** What the page and the bus carry: ids only, in course order. */
export interface ProgressView {
  readonly passed: readonly string[];
  /** The lesson to work on: the first, in course order, not passed. Undefined when all have. */
  readonly current: string | undefined;
}

export interface HintStep {
  /** 1-based number of the hint just revealed. */
  readonly number: number;
  readonly total: number;
  readonly text: string;
  /** Every hint was already shown before this call: `text` is the last one again. */
  readonly exhausted: boolean;
}

/** The state file: `.workshop/state.json`. */
interface StateData {
  passed: string[];
  hintsSeen: Record<string, number>;
}

export interface Workshop {
  readonly root: string;
  readonly lessons: readonly Lesson[];
  /** The workshop's own state folder: the state file and reset backups. */
  readonly stateDir: string;
  readonly stateFile: string;
  /** The folder holding the learner's lesson folders. */
  readonly lessonsDir: string;
  /** Set when the state file was there but unreadable (it has been set aside): say it once. */
  readonly warning: string | undefined;

  /** The folder the learner edits for this lesson (honours WORKSHOP_LESSONS_DIR). */
  learnerDir(lesson: Lesson): string;
  /** The lesson's README: the learner's copy, which both faces show. */
  readme(lesson: Lesson): string;
  /** The starter as the workshop ships it (lessons/<id>, whatever WORKSHOP_LESSONS_DIR says). */
  starterDir(lesson: Lesson): string;
  solutionDir(lesson: Lesson): string;
  checkFile(lesson: Lesson): string;
  /** A path as the learner would type it from where they are (absolute when it is elsewhere). */
  shown(path: string): string;
  /** A lesson by what a learner types: `3`, `03`, `03-cpu-count`. */
  find(ref: string): Lesson | undefined;

  isPassed(lesson: Lesson): boolean;
  /** The lesson to work on: the first, in course order, not passed (the one meaning of "next"). */
  current(): Lesson | undefined;
  rows(): readonly Row[];
  progress(): ProgressView;
  /** Record a pass (kept in memory and written once; never read back). */
  pass(lesson: Lesson): void;
  /** Start a lesson over: not passed, no hint seen. */
  reset(lesson: Lesson): void;
  hintsSeen(lesson: Lesson): number;
  /** Reveal the next hint of a lesson (the last one again once all are out). */
  revealHint(lesson: Lesson): HintStep;
  /** Be told of every change of progress; returns the function that stops listening. */
  onChange(fn: (p: ProgressView) => void): () => void;
}

export function openWorkshop(env: WorkshopEnv = process.env, cwd: string = process.cwd()): Workshop {
  const stateDir = env.WORKSHOP_HOME ? resolve(env.WORKSHOP_HOME) : join(root, '.workshop');
  const stateFile = join(stateDir, 'state.json');
  const lessonsDir = env.WORKSHOP_LESSONS_DIR ? resolve(env.WORKSHOP_LESSONS_DIR) : join(root, 'lessons');
  // The state is read on first use, so a workshop used only for its paths touches no file.
  let state: { passed: Set<string>; hintsSeen: Record<string, number>; warning: string | undefined } | undefined;
  const st = (): NonNullable<typeof state> => {
    if (state) return state;
    const loaded = load(stateDir, stateFile);
    state = { passed: new Set(loaded.data.passed), hintsSeen: { ...loaded.data.hintsSeen }, warning: loaded.warning };
    return state;
  };
  const listeners = new Set<(p: ProgressView) => void>();

  const save = (): void => {
    const { passed, hintsSeen } = st();
    write(stateFile, { passed: lessons.map((l) => l.id).filter((id) => passed.has(id)), hintsSeen });
  };
  const current = (): Lesson | undefined => lessons.find((l) => !st().passed.has(l.id));
  const progress = (): ProgressView => ({ passed: lessons.map((l) => l.id).filter((id) => st().passed.has(id)), current: current()?.id });
  const changed = (): void => {
    const p = progress();
    for (const fn of listeners) fn(p);
  };

  const ws: Workshop = {
    root,
    lessons,
    stateDir,
    stateFile,
    lessonsDir,
    get warning() {
      return st().warning;
    },
    learnerDir: (l) => join(lessonsDir, l.id),
    readme: (l) => join(lessonsDir, l.id, 'README.md'),
    starterDir: (l) => join(root, 'lessons', l.id),
    solutionDir: (l) => join(root, 'solutions', l.id),
    checkFile: (l) => join(root, 'checks', `${l.id}.ts`),
    shown(path) {
      const rel = relative(cwd, path);
      return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel;
    },
    find: findLesson,
    isPassed: (l) => st().passed.has(l.id),
    current,
    rows() {
      const now = current();
      return lessons.map((lesson) => ({ lesson, state: st().passed.has(lesson.id) ? 'passed' : lesson === now ? 'current' : 'todo' }));
    },
    progress,
    pass(l) {
      const { passed } = st();
      if (passed.has(l.id)) return;
      passed.add(l.id);
      save();
      changed();
    },
    reset(l) {
      const { passed, hintsSeen } = st();
      const was = passed.delete(l.id);
      const hinted = l.id in hintsSeen;
      delete hintsSeen[l.id];
      if (was || hinted) save();
      if (was) changed();
    },
    hintsSeen: (l) => Math.min(st().hintsSeen[l.id] ?? 0, l.hints.length),
    revealHint(l) {
      const { hintsSeen } = st();
      const total = l.hints.length;
      const before = Math.min(hintsSeen[l.id] ?? 0, total);
      const number = Math.min(before + 1, total);
      if (before < total) {
        hintsSeen[l.id] = number;
        try {
          save();
        } catch {
          // Not remembering how far the learner got is no reason to withhold the hint.
        }
      }
      return { number, total, text: l.hints[number - 1] ?? 'This lesson has no hints.', exhausted: before >= total };
    },
    onChange(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
  return ws;
}

/** The lesson folders' own files (relative paths, sorted): what the learner edits, so not the README. */
export function lessonFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && !ignored(relative(dir, join(e.parentPath, e.name))))
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/**
 * Not the learner's work: the README, installed packages, and what editors and tools leave around
 * (swap and backup files, vim's `4913` write test, logs, dotfiles).
 */
export function ignored(rel: string): boolean {
  const parts = rel.split(/[\\/]/);
  const name = parts.at(-1) ?? '';
  if (parts.some((p) => p === 'node_modules' || (p.startsWith('.') && p !== '.' && p !== '..'))) return true;
  return rel === 'README.md' || name === '4913' || /(~|\.swp|\.swx|\.tmp|\.log)$/.test(name) || name.startsWith('#');
}

const known = new Set(lessons.map((l) => l.id));

function write(file: string, data: StateData): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(data, null, 2) + '\n');
  renameSync(tmp, file); // atomic: a crash mid-write never leaves half a file
}

function parse(text: string): StateData {
  const data = JSON.parse(text) as Partial<StateData> | null;
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new Error('not an object');
  if (!Array.isArray(data.passed) || !data.passed.every((x) => typeof x === 'string')) throw new Error('no "passed" list');
  const seen = data.hintsSeen && typeof data.hintsSeen === 'object' && !Array.isArray(data.hintsSeen) ? data.hintsSeen : {};
  return {
    passed: data.passed.filter((id) => known.has(id)),
    hintsSeen: Object.fromEntries(Object.entries(seen).filter((e): e is [string, number] => known.has(e[0]) && typeof e[1] === 'number')),
  };
}

/**
 * Read the state once, at open. No file: a fresh start, or the two files of earlier versions
 * (progress.json, hints.json) merged into one and removed. A file that cannot be read is set aside
 * as `<file>.corrupt`, a fresh one written, and a warning returned, so it is said once.
 */
function load(stateDir: string, stateFile: string): { data: StateData; warning?: string } {
  const fresh = (): StateData => ({ passed: [], hintsSeen: {} });
  let file = stateFile;
  let text: string | undefined;
  let data: StateData;
  try {
    text = readFileSync(stateFile, 'utf8');
  } catch {
    const old = join(stateDir, 'progress.json');
    try {
      text = readFileSync(old, 'utf8');
      file = old;
    } catch {
      text = undefined;
    }
  }
  try {
    data = text === undefined ? fresh() : parse(text);
  } catch (err) {
    const aside = `${file}.corrupt`;
    try {
      renameSync(file, aside);
      write(stateFile, fresh());
    } catch {
      // A read-only folder: progress simply is not kept.
    }
    return { data: fresh(), warning: `Your progress file could not be read (${(err as Error).message}); it was moved to ${aside} and progress starts over.` };
  }
  if (file !== stateFile || text === undefined) {
    const hints = join(stateDir, 'hints.json');
    try {
      const seen = parse(JSON.stringify({ passed: [], hintsSeen: JSON.parse(readFileSync(hints, 'utf8')) as unknown }));
      data.hintsSeen = seen.hintsSeen;
    } catch {
      // No hints file, or an unreadable one: no hint seen.
    }
    if (file !== stateFile || existsSync(hints)) {
      try {
        write(stateFile, data);
        rmSync(join(stateDir, 'progress.json'), { force: true });
        rmSync(hints, { force: true });
      } catch {
        // Read-only: keep using the old files' content for this run.
      }
    }
  }
  return { data };
}
