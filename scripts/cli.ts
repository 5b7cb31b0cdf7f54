// What every command shares: one top-level error handler (`✖ message`, no stack trace for what a
// learner can fix), exit codes 0 ok / 1 failed or refused / 2 usage error, and Ctrl-C clean-up.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pc } from '../checks/lib/colors.ts';
import { killAllNow } from '../checks/lib/index.ts';

/** The command was called wrongly (unknown lesson, bad flag): exit 2 with the usage line. */
export class UsageError extends Error {}

/** An expected failure the learner can act on (no git history, a refused reset): exit 1, no stack. */
export class Refusal extends Error {}

/** True when this module is the script node was asked to run (`node --import tsx scripts/x.ts`). */
export function isEntry(meta: ImportMeta): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(meta.url));
  } catch {
    return false;
  }
}

/** Run a command's main and exit with its code; errors become one `✖` line. */
export async function runCommand(main: () => Promise<number>, usage: string): Promise<never> {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (process.listenerCount(sig) > 1) return; // the command ends itself more gently (npm start)
      killAllNow();
      process.exit(130);
    });
  }
  let code: number;
  try {
    code = await main();
  } catch (err) {
    code = reportError(err, usage);
  }
  // Exit explicitly: nothing a learner's program left open may keep us waiting.
  process.exit(code);
}

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
