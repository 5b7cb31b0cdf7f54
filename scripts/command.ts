// What a command is: a name, its usage line, its options (node:util parseArgs) and a run function
// that gets the parsed arguments and the workshop. Commands live in scripts/commands/, one per file;
// scripts/cli.ts finds them, parses, runs, and owns errors, exit codes and signals.
import type { parseArgs, ParseArgsConfig } from 'node:util';
import type { Workshop } from './workshop.ts';

type Options = NonNullable<ParseArgsConfig['options']>;
export type Values<O extends Options> = ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; args: string[]; strict: true }>>['values'];

export interface Context {
  readonly ws: Workshop;
  /**
   * End gently on the first SIGINT, SIGTERM or SIGHUP (npm start closes its watch loop and page):
   * `fn` gets the exit code (128 + the signal's number). A second signal ends at once.
   */
  onInterrupt(fn: (code: number) => void): void;
}

export interface Command<O extends Options = Options> {
  /** The npm script that runs it: `npm run <name>` (`npm start` for start). */
  readonly name: string;
  readonly usage: string;
  readonly options: O;
  /** Its positional arguments: none, one lesson, or any number of files. */
  readonly positionals: 0 | 1 | 'files';
  /** npm start: a stray rejection from a cancelled check must not end the session. */
  readonly longRunning?: boolean;
  run(args: { readonly values: Values<O>; readonly positionals: readonly string[] }, ctx: Context): Promise<number>;
}

/** Declare a command (keeps its options' types for `run`). */
export function defineCommand<const O extends Options>(c: Command<O>): Command<O> {
  return c;
}
