// The one entry of every command: `node --import tsx scripts/cli.ts <name> [args]` (package.json's
// scripts). It finds the command, parses its arguments, opens the workshop once, runs it, and owns
// what every command shares: one `✖ message` per error (no stack trace for what a learner can fix),
// exit codes 0 ok / 1 failed or refused / 2 usage error, and SIGINT/SIGTERM/SIGHUP (exit 128 + the
// signal's number, like a shell, after every process the harness started is killed).
import './require-node.ts';
import { constants } from 'node:os';
import { parseArgs } from 'node:util';
import { killAllNow, RequestFailed } from '../checks/lib/runner.ts';
import type { Command } from './command.ts';
import { bench } from './commands/bench.ts';
import { benchChecks } from './commands/bench-checks.ts';
import { check } from './commands/check.ts';
import { ciLessons } from './commands/ci-lessons.ts';
import { compare } from './commands/compare.ts';
import { hint } from './commands/hint.ts';
import { progress } from './commands/progress.ts';
import { repeat } from './commands/repeat.ts';
import { reset } from './commands/reset.ts';
import { start } from './commands/start.ts';
import { Refusal, UsageError } from './errors.ts';
import { pc } from './views/colors.ts';
import { openWorkshop } from './workshop.ts';

// Commands with other option types are still Commands; `run` is only ever called with its own parse.
const commands: ReadonlyMap<string, Command> = new Map(
  ([start, check, hint, compare, reset, progress, repeat, bench, benchChecks, ciLessons] as unknown as Command[]).map((c) => [c.name, c]),
);

export function reportError(err: unknown, usage: string): number {
  if (err instanceof UsageError) {
    console.error(`${pc.red('✖')} ${err.message}\n  usage: ${usage}`);
    return 2;
  }
  if (err instanceof Refusal) {
    console.error(`${pc.red('✖')} ${err.message}`);
    return 1;
  }
  // A bug of ours: the stack helps whoever reports it.
  const message = err instanceof Error ? err.message : String(err);
  console.error(`${pc.red('✖')} ${message}`);
  if (err instanceof Error && err.stack) console.error(pc.dim(err.stack.split('\n').slice(1).join('\n')));
  return 1;
}

async function main(argv: readonly string[]): Promise<number> {
  const [name = '', ...rest] = argv;
  const command = commands.get(name);
  if (!command) {
    console.error(`${pc.red('✖')} no command "${name}"; the commands are ${[...commands.keys()].join(', ')}`);
    return 2;
  }

  let gentle: ((code: number) => void) | undefined;
  let interrupted = false;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      const code = 128 + constants.signals[sig];
      if (gentle && !interrupted) {
        interrupted = true;
        gentle(code);
        return;
      }
      killAllNow(); // no command to ask, or a second signal: no more waiting
      process.exit(code);
    });
  }
  if (command.longRunning) {
    // A cancelled check's code may still have requests in flight to the programs it lost: their
    // failures are expected. Nothing that goes astray may end the learner's session.
    process.on('unhandledRejection', (reason) => {
      if (reason instanceof RequestFailed) return;
      console.log(pc.dim(`(ignored: ${reason instanceof Error ? reason.message : String(reason)})`));
    });
  }

  try {
    let parsed;
    try {
      parsed = parseArgs({ args: [...rest], options: command.options, allowPositionals: true, strict: true });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    if (command.positionals !== 'files' && parsed.positionals.length > command.positionals) {
      throw new UsageError(command.positionals === 0 ? `${command.usage.split(' [')[0]} takes no arguments, not ${parsed.positionals.join(' ')}` : `one lesson at a time, not ${parsed.positionals.join(' ')}`);
    }
    const ws = openWorkshop(process.env);
    if (ws.warning) console.error(pc.yellow(ws.warning));
    return await command.run(parsed, { ws, onInterrupt: (fn) => (gentle = fn) });
  } catch (err) {
    return reportError(err, command.usage);
  }
}

// Exit explicitly: nothing a learner's program left open may keep us waiting. But first let stdout
// drain: to a pipe it is asynchronous, and process.exit() would cut a large --json (a timeline is
// 100+ KB) at the pipe's 64 KB.
const code = await main(process.argv.slice(2));
await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
process.exit(code);
