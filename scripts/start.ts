// npm start [-- --once] [--no-web] [--port N]: the workshop itself. Shows the course, says what to
// read and edit, then watches the current lesson and checks it on every save, moving on when it
// passes. Keys (in a terminal): h hint, c compare, r run again, l list, q quit.
// --once (or CI set): the list and one check of the current lesson, exit with the check's code.
// WORKSHOP_LESSONS_DIR=<folder> watches and checks <folder>/<id>/ instead of lessons/<id>/.
import './require-node.ts';
import { parseArgs } from 'node:util';
import { pc } from '../checks/lib/colors.ts';
import { checkLesson, formatResult, killAllNow, RequestFailed } from '../checks/lib/index.ts';
import { WorkshopBus } from './bus.ts';
import { isEntry, runCommand, UsageError } from './cli.ts';
import { compareLesson } from './compare.ts';
import { formatHintStep, nextHint } from './hint.ts';
import { listenKeys, type Key } from './keys.ts';
import { finished, formatList, formatWhere } from './list.ts';
import { currentLesson, loadProgress, markPassed } from './progress.ts';
import { WatchLoop } from './watch.ts';
import { learnerDir } from './where.ts';

const usage = 'npm start [-- --once] [--no-web] [--port <number>]';

export interface StartArgs {
  readonly once: boolean;
  readonly web: boolean;
  readonly port: number;
}

export function parseStartArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): StartArgs | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { once: { type: 'boolean' }, 'no-web': { type: 'boolean' }, port: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return 'help';
  const port = Number(values.port ?? 4321);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port takes a port number (0 for any free one), not ${values.port}`);
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== '0' && env.CI.toLowerCase() !== 'false';
  return { once: (values.once ?? false) || ci, web: !values['no-web'], port };
}

interface Web {
  readonly url: string;
  close(): Promise<void>;
}
type StartWeb = (opts: { port: number; bus: WorkshopBus }) => Promise<Web>;

/** The web page, if this copy of the workshop has one; the terminal works without it. */
async function openWeb(port: number, bus: WorkshopBus): Promise<Web | undefined> {
  const where = './web/server.ts'; // a variable: the terminal must not depend on the page being there
  let startWeb: StartWeb | undefined;
  try {
    ({ startWeb } = (await import(where)) as { startWeb?: StartWeb });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
  }
  if (!startWeb) {
    console.log(pc.dim('The web page is not available in this copy; the terminal is all you need.'));
    return undefined;
  }
  try {
    return await startWeb({ port, bus });
  } catch (err) {
    console.log(pc.yellow(`The web page could not start (${(err as Error).message}); the terminal is all you need.`));
    return undefined;
  }
}

/** --once: one check of the current lesson, for CI and pipes. */
async function once(): Promise<number> {
  const progress = loadProgress();
  if (progress.warning) console.error(pc.yellow(progress.warning));
  console.log(formatList(progress));
  const lesson = currentLesson(progress);
  if (!lesson) {
    console.log(`\n${finished}`);
    return 0;
  }
  console.log(`\n${formatWhere(lesson)}\n\nChecking ${lesson.id}…\n`);
  const result = await checkLesson(lesson, learnerDir(lesson));
  console.log(formatResult(result));
  if (result.ok) {
    markPassed(lesson.id);
    const next = currentLesson(loadProgress());
    console.log(`\n${pc.green(`✓ ${lesson.id} passed.`)} ${next ? `Next: ${next.id} · ${next.title}` : finished}`);
  }
  return result.ok ? 0 : 1;
}

async function watchMode(args: StartArgs): Promise<number> {
  const progress = loadProgress();
  if (progress.warning) console.error(pc.yellow(progress.warning));
  console.log(formatList(progress));
  const first = currentLesson(progress);
  if (!first) {
    console.log(`\n${finished}`);
    return 0;
  }
  console.log(`\n${formatWhere(first)}\n`);

  const bus = new WorkshopBus();
  const web = args.web ? await openWeb(args.port, bus) : undefined;
  if (web) {
    const port = Number(new URL(web.url).port);
    const moved = args.port !== 0 && port !== args.port ? pc.dim(` (port ${args.port} is busy)`) : '';
    console.log(`Follow along in a browser: ${pc.bold(pc.cyan(web.url))}${moved}`);
  }
  const interactive = process.stdin.isTTY === true;

  let stopKeys = (): void => {};
  let done: (code: number) => void = () => {};
  const exited = new Promise<number>((resolve) => (done = resolve));
  let quitting = false;
  const quit = async (code: number): Promise<void> => {
    if (quitting) return;
    quitting = true;
    stopKeys();
    // Whatever hangs in clean-up, the learner gets the prompt back and no process stays behind.
    const bail = setTimeout(() => {
      killAllNow();
      done(code);
    }, 8000);
    await loop.close();
    await web?.close();
    clearTimeout(bail);
    done(code);
  };

  const loop = new WatchLoop({
    bus,
    clear: process.stdout.isTTY === true,
    keys: interactive,
    onAllDone: () => void quit(0),
  });
  bus.requestRun = () => void loop.runNow('asked from the web page');

  const onKey = (key: Key): void => {
    const lesson = loop.lesson;
    switch (key) {
      case 'quit':
        console.log(pc.dim('Bye! Run npm start to carry on where you left off.'));
        void quit(0);
        return;
      case 'run':
        void loop.runNow('you pressed r');
        return;
      case 'list':
        console.log(`\n${formatList(loadProgress())}\n${lesson ? `\n${formatWhere(lesson)}\n` : ''}`);
        return;
      case 'hint':
        if (lesson) console.log(`\n${formatHintStep(lesson, nextHint(lesson))}\n`);
        return;
      case 'compare':
        if (lesson) console.log(`\n${compareLesson(lesson)}\n`);
        return;
      default:
        key satisfies never;
    }
  };
  if (interactive) {
    stopKeys = listenKeys((key) => {
      try {
        onKey(key);
      } catch (err) {
        console.log(pc.red(`✖ ${(err as Error).message}`)); // a failed key press must not end the session
      }
    });
  }
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (!quitting) return void quit(130);
      killAllNow(); // a second Ctrl-C: no more waiting
      process.exit(130);
    });
  }

  // A cancelled check's code may still have requests in flight to the programs it lost: their
  // failures are expected. Nothing that goes astray may end the learner's session.
  process.on('unhandledRejection', (reason) => {
    if (reason instanceof RequestFailed) return;
    console.log(pc.dim(`(ignored: ${reason instanceof Error ? reason.message : String(reason)})`));
  });

  await loop.start();
  return exited;
}

async function main(): Promise<number> {
  const args = parseStartArgs(process.argv.slice(2));
  if (args === 'help') {
    console.log(`usage: ${usage}\n  --once       check the current lesson once and exit with its code (also when CI is set)\n  --no-web     no web page\n  --port N     the web page's port (default 4321, 0 = any free one)\nWORKSHOP_LESSONS_DIR=<folder> works on <folder>/<lesson>/ instead of lessons/<lesson>/.`);
    return 0;
  }
  return args.once ? once() : watchMode(args);
}

if (isEntry(import.meta)) await runCommand(main, usage);
