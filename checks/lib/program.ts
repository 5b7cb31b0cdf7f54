// The learner's program as a child process: a Group (group.ts: its own process group, output
// kept, TERM then KILL of the whole group, tracked by the reaper) that runs node on the entry file.
import { Group } from './group.ts';
import { tsxLoader } from './paths.ts';

export { describeExit, killAllNow, type ExitInfo } from './group.ts';

export interface SpawnOptions {
  readonly cwd: string;
  /** The file to run, relative to cwd. */
  readonly entry: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** A Group running `node` on the learner's entry file; its life (group, output, stop) is Group's. */
export class Program extends Group {
  constructor(opts: SpawnOptions) {
    // `node --import tsx` directly, never through npx or the tsx binary: then the pid we hold is
    // the learner's primary, and its workers inherit --import from process.execArgv.
    super(process.execPath, ['--import', tsxLoader, opts.entry], {
      cwd: opts.cwd,
      env: opts.env,
    });
  }
}
