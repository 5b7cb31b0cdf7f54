// The learner's program as a child process: a Group (group.ts: its own process group, output
// kept, TERM then KILL of the whole group, tracked by the reaper) that runs node on the entry file.
import { Group } from './group.ts';
import { nodeArgs } from './runtime.ts';
import { currentTimeline } from './timeline.ts';

export { describeExit, killAllNow, type ExitInfo } from './group.ts';

export interface SpawnOptions {
  readonly cwd: string;
  /** The file to run, relative to cwd. */
  readonly entry: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * V8's memory reducer posts a delayed task on the main thread's loop (4–5 s ahead on Node 20 and 24,
 * 27 s on 26), and /proc shows it as the timeout the loop sleeps with: the checks read that timeout
 * as the next timer the program set (event-loop.ts loopState), so a primary with nothing scheduled
 * looked busy in about half the runs and lesson 04 waited out its 2.5 s fallback. Off, the loop's
 * timeout is the program's own timers; the reducer only returns idle memory sooner.
 */
const V8_FLAGS = ['--no-memory-reducer'];

/** A Group running `node` on the learner's entry file; its life (group, output, stop) is Group's. */
export class Program extends Group {
  constructor(opts: SpawnOptions) {
    // `node server.ts` (or `node --import tsx server.ts`, see runtime.ts) directly, never through
    // npx or the tsx binary: then the pid we hold is the learner's primary, and its workers inherit
    // process.execArgv.
    super(process.execPath, [...nodeArgs(opts.cwd), ...V8_FLAGS, opts.entry], {
      cwd: opts.cwd,
      env: opts.env,
    });
    // On the timeline of the check run that started it: its spawn, exit, children and signals.
    this.timeline = currentTimeline();
    this.timeline?.watchProgram(this);
  }
}
