// The learner's program as a child process: a Group (group.ts: its own process group, output
// kept, TERM then KILL of the whole group, tracked by the reaper) that runs node on the entry file.
import { resolve } from 'node:path';
import { Group } from './group.ts';
import { root } from './paths.ts';
import { nodeArgs } from './runtime.ts';
import { currentTimeline } from './timeline.ts';

export { describeExit, killAllNow, type ExitInfo } from './group.ts';

export interface SpawnOptions {
  /** The lesson folder: its files decide how Node runs them (runtime.ts). */
  readonly dir: string;
  /** The file to run, in that folder. */
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
  /** The PORT in its environment, if it has one. */
  readonly port: number | undefined;

  constructor(opts: SpawnOptions) {
    // `node server.ts` (or `node --import tsx server.ts`, see runtime.ts) directly, never through
    // npx or the tsx binary: then the pid we hold is the learner's primary, and its workers inherit
    // process.execArgv.
    // From the workshop's folder, as each lesson's README runs it by hand (`node
    // lessons/02-cluster-fork/server.ts`): a path the program resolves against its working directory
    // (setupPrimary({ exec: 'worker.ts' })) fails here as it does there. The file by its full path,
    // which names the folder on the command line (whoever looks for leftovers looks for it there).
    super(process.execPath, [...nodeArgs(opts.dir), ...V8_FLAGS, resolve(opts.dir, opts.entry)], {
      cwd: root,
      env: opts.env,
    });
    this.port = opts.env.PORT === undefined || opts.env.PORT === '' ? undefined : Number(opts.env.PORT);
    // On the timeline of the check run that started it: its spawn, exit, children and signals.
    this.timeline = currentTimeline();
    this.timeline?.watchProgram(this);
  }
}
