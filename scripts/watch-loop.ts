// The watch loop of `npm start`: watch the current lesson's files, run its check on every save
// (debounced; a newer save cancels the run in progress, whose processes the harness kills), and
// move on to the next lesson when the check passes. It tells the terminal and the web page the
// same things through the bus.
import { once } from 'node:events';
import { relative } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { Lesson } from '../course.ts';
import { checkLesson, type CheckResult, type TimelineEvent } from '../checks/lib/runner.ts';
import type { WorkshopBus } from './bus.ts';
import { pc } from './views/colors.ts';
import { finished, formatList, formatWhere } from './views/course.ts';
import type { LiveStatus } from './views/live.ts';
import { formatResult } from './views/result.ts';
import { ignored, type Workshop } from './workshop.ts';

/** `onEvent` hears the check's timeline as it is recorded (the live faces: the terminal and the page). */
export type CheckFn = (lesson: Lesson, dir: string, options: { readonly signal: AbortSignal; readonly onEvent?: (e: TimelineEvent) => void }) => Promise<CheckResult>;

export interface WatchOptions {
  readonly bus: WorkshopBus;
  /** The learner's workshop: which lesson is current, where its files are, recording a pass. */
  readonly workshop: Workshop;
  /** The check to run; tests inject a fake. Default: the lesson's real check. */
  readonly check?: CheckFn;
  /** Quiet time after the last file event before the check runs (an editor's save is several events). */
  readonly debounceMs?: number;
  /** Where the loop writes what it has to say (default: stdout). */
  readonly print?: (text: string) => void;
  /** Clear the screen before each run started by a save (a terminal, not a pipe). */
  readonly clear?: boolean;
  /** Show the key line after each result (when keys are read). */
  readonly keys?: boolean;
  /** Run the current lesson's check once as soon as watching starts (default true). */
  readonly runAtStart?: boolean;
  /** Called once every lesson has passed (after the loop has said so). */
  readonly onAllDone?: () => void;
  /** Show the running check in the terminal (npm start: a redrawn block on a TTY, lines otherwise). */
  readonly live?: LiveStatus;
}

export const keyLine = pc.dim('  h hint · c compare with the solution · r run again · l list · q quit');

export class WatchLoop {
  /** The lesson being watched; undefined once every lesson has passed. */
  lesson: Lesson | undefined;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private controller: AbortController | undefined;
  private running: Promise<void> = Promise.resolve();
  private wanted = 0;
  private closed = false;
  private readonly check: CheckFn;
  private readonly ws: Workshop;
  private readonly print: (text: string) => void;

  constructor(private readonly opts: WatchOptions) {
    this.check = opts.check ?? checkLesson;
    this.ws = opts.workshop;
    this.print = opts.print ?? ((text) => console.log(text));
  }

  async start(): Promise<void> {
    this.lesson = this.ws.current();
    this.opts.bus.emit({ type: 'progress', ...this.ws.progress() });
    if (!this.lesson) {
      this.opts.onAllDone?.();
      return;
    }
    await this.watch(this.lesson);
    if (this.opts.runAtStart ?? true) void this.runNow('start');
  }

  /** Run the current lesson's check now, cancelling one in progress. Resolves when this request is settled. */
  runNow(reason: string): Promise<void> {
    const token = ++this.wanted;
    clearTimeout(this.timer);
    this.controller?.abort();
    const previous = this.running;
    const run = (async () => {
      await previous; // the cancelled run has killed its processes before the next one starts
      const lesson = this.lesson;
      if (token !== this.wanted || this.closed || !lesson) return;
      await this.execute(lesson, reason);
    })();
    this.running = run;
    return run;
  }

  /** Resolves once no run is in progress or queued. */
  async idle(): Promise<void> {
    let seen: Promise<void> | undefined;
    while (seen !== this.running) {
      seen = this.running;
      await seen;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.controller?.abort();
    await this.idle();
    await this.watcher?.close();
    this.watcher = undefined;
  }

  private async watch(lesson: Lesson): Promise<void> {
    await this.watcher?.close();
    const dir = this.ws.learnerDir(lesson);
    const watcher = watch(dir, {
      ignoreInitial: true,
      ignored: (path) => path !== dir && ignored(relative(dir, path)),
    });
    this.watcher = watcher;
    watcher.on('all', (_event, path) => this.saved(relative(dir, path)));
    watcher.on('error', (err) => this.print(pc.yellow(`Watching ${this.ws.shown(dir)} failed: ${(err as Error).message}`)));
    await once(watcher, 'ready');
    this.print(pc.dim(`Watching ${this.ws.shown(dir)}/: save a file there and its check runs again.`));
  }

  private saved(name: string): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.runNow(`you saved ${name}`), this.opts.debounceMs ?? 150);
  }

  private async execute(lesson: Lesson, reason: string): Promise<void> {
    const controller = new AbortController();
    this.controller = controller;
    if (this.opts.clear && reason !== 'start') this.print('\x1b[2J\x1b[H');
    const time = new Date().toTimeString().slice(0, 8);
    this.print(pc.dim(`── ${time} · ${reason} · checking ${lesson.id}…`));
    this.opts.bus.emit({ type: 'check-started', lesson: lesson.id });
    const live = this.opts.live;
    live?.start(lesson.id);
    const onEvent = (event: TimelineEvent): void => {
      if (controller.signal.aborted) return; // a cancelled run's last moments belong to no face
      live?.event(event);
      this.opts.bus.emit({ type: 'check-event', lesson: lesson.id, event });
    };
    let result: CheckResult;
    try {
      result = await this.check(lesson, this.ws.learnerDir(lesson), { signal: controller.signal, onEvent });
    } catch (err) {
      live?.stop(); // before the message, so it is not erased with the block
      this.print(pc.red(`✖ the check could not run: ${(err as Error).message}`));
      return;
    } finally {
      live?.stop();
    }
    if (controller.signal.aborted) {
      if (!this.closed) this.print(pc.dim('   (stopped: a newer run replaces it)'));
      return;
    }
    this.print(`\n${formatResult(result)}\n`);
    this.opts.bus.emit({ type: 'check-finished', result });
    if (result.ok) {
      await this.passed(lesson);
      return;
    }
    this.print(pc.dim(`Edit ${this.ws.shown(this.ws.learnerDir(lesson))}/ and save: the check runs again.`));
    if (this.opts.keys) this.print(keyLine);
  }

  private async passed(lesson: Lesson): Promise<void> {
    this.ws.pass(lesson); // the bus hears of it from the workshop
    const next = this.ws.current();
    this.lesson = next;
    this.print(pc.green(pc.bold(`✓ ${lesson.id} passed!`)));
    this.print(`\n${formatList(this.ws)}\n`);
    if (!next) {
      await this.watcher?.close();
      this.watcher = undefined;
      this.print(finished('Check one again with: npm run check -- <lesson>'));
      this.opts.onAllDone?.();
      return;
    }
    this.print(`Next:\n${formatWhere(this.ws, next)}\n`);
    if (this.closed) return;
    await this.watch(next);
    if (this.opts.keys) this.print(keyLine);
  }
}
