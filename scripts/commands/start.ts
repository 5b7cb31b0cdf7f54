// npm start [-- --once] [--no-web] [--port N]: the workshop itself. Shows the course, says what to
// read and edit, then watches the current lesson and checks it on every save, moving on when it
// passes. Keys (in a terminal): h hint, c compare, r run again, l list, q quit.
// --once (or CI set): the list and one check of the current lesson, exit with the check's code.
import { checkLesson, killAllNow } from '../../checks/lib/runner.ts';
import { WorkshopBus } from '../bus.ts';
import { defineCommand, type Context } from '../command.ts';
import { UsageError } from '../errors.ts';
import { listenKeys, type Key } from '../keys.ts';
import { pc } from '../views/colors.ts';
import { compareLesson, spoilerQuestion } from '../views/compare.ts';
import { afterPass, finished, formatList, formatWhere, why } from '../views/course.ts';
import { formatHintStep } from '../views/hints.ts';
import { liveStatus } from '../views/live.ts';
import { formatResult } from '../views/result.ts';
import { WatchLoop } from '../watch-loop.ts';
import type { Workshop } from '../workshop.ts';

const usage = 'npm start [-- --once] [--no-web] [--port <number>]';
const help = `usage: ${usage}
  --once       check the current lesson once and exit with its code (also when CI is set)
  --no-web     no web page
  --port N     the web page's port (default 4321, 0 = any free one)
WORKSHOP_LESSONS_DIR=<folder> works on <folder>/<lesson>/ instead of lessons/<lesson>/.`;

const again = 'Check one again with: npm run check -- <lesson>';

interface Web {
  readonly url: string;
  close(): Promise<void>;
}
type StartWeb = (opts: { port: number; bus: WorkshopBus; workshop: Workshop; runNow: () => void }) => Promise<Web>;

/** The web page, if this copy of the workshop has one; the terminal works without it. */
async function openWeb(opts: Parameters<StartWeb>[0]): Promise<Web | undefined> {
  const where = '../web/server.ts'; // a variable: the terminal must not depend on the page being there
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
    return await startWeb(opts);
  } catch (err) {
    console.log(pc.yellow(`The web page could not start (${(err as Error).message}); the terminal is all you need.`));
    return undefined;
  }
}

/** --once: one check of the current lesson, for CI and pipes. */
async function once(ws: Workshop): Promise<number> {
  console.log(formatList(ws));
  const lesson = ws.current();
  if (!lesson) {
    console.log(`\n${finished(again)}`);
    return 0;
  }
  console.log(`\n${formatWhere(ws, lesson)}\n\nChecking ${lesson.id}: ${why(ws, lesson, false)}…\n`);
  const live = liveStatus(); // in CI logs: a line as each expectation starts
  live.start(lesson.id);
  const result = await checkLesson(lesson, ws.learnerDir(lesson), { onEvent: (e) => live.event(e) }).finally(() => live.stop());
  console.log(formatResult(result));
  if (result.ok) {
    ws.pass(lesson);
    console.log(`\n${afterPass(ws, lesson)}`);
  }
  return result.ok ? 0 : 1;
}

async function watchMode(ws: Workshop, opts: { web: boolean; port: number }, ctx: Context): Promise<number> {
  console.log(formatList(ws));
  const first = ws.current();
  if (first) console.log(`\n${formatWhere(ws, first)}\n`);
  else console.log(`\n${finished(again)}`);

  const bus = new WorkshopBus(ws);
  const interactive = process.stdin.isTTY === true;
  let loop: WatchLoop | undefined;
  const web = opts.web ? await openWeb({ port: opts.port, bus, workshop: ws, runNow: () => void loop?.runNow('asked from the web page') }) : undefined;
  if (web) {
    const port = Number(new URL(web.url).port);
    const moved = opts.port !== 0 && port !== opts.port ? pc.dim(` (port ${opts.port} is busy)`) : '';
    console.log(`Follow along in a browser: ${pc.bold(pc.cyan(web.url))}${moved}`);
  }

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
    await loop?.close();
    await web?.close();
    clearTimeout(bail);
    done(code);
  };

  // Nothing left to watch: say what happens now, every time. With the page, it stays open to read.
  const allDone = (): void => {
    if (web) {
      console.log(`Nothing is left to watch. The course stays readable at ${pc.bold(web.url)} until you ${interactive ? 'press q' : 'press Ctrl-C'}.`);
      return;
    }
    console.log(pc.dim(`Nothing is left to watch, so npm start ends here${opts.web ? '' : ' (with --no-web there is no page to keep open)'}.`));
    void quit(0);
  };

  // The running check, live in the terminal; what keys print goes through it, so the block gives way.
  const live = liveStatus();
  const say = (text: string): void => live.print(text);
  loop = new WatchLoop({ bus, workshop: ws, clear: process.stdout.isTTY === true, keys: interactive, onAllDone: allDone, live, print: say });

  // `c` on a lesson not passed yet asks first, and only `y` answers yes: one stray key spoils nothing.
  let askingCompare = false;
  const onKey = (key: Key): void => {
    const lesson = loop?.lesson;
    if (askingCompare) {
      askingCompare = false;
      if (key === 'yes' && lesson) say(`\n${compareLesson(ws, lesson)}\n`);
      else say(pc.dim('Nothing shown.'));
      return;
    }
    switch (key) {
      case 'quit':
        say(pc.dim('Bye! Run npm start to carry on where you left off.'));
        void quit(0);
        return;
      case 'run':
        void loop?.runNow('you pressed r');
        return;
      case 'list':
        say(`\n${formatList(ws)}\n${lesson ? `\n${formatWhere(ws, lesson)}\n` : ''}`);
        return;
      case 'hint':
        if (lesson) say(`\n${formatHintStep(lesson, ws.revealHint(lesson))}\n`);
        return;
      case 'compare':
        if (!lesson) return;
        if (ws.isPassed(lesson)) return void say(`\n${compareLesson(ws, lesson)}\n`);
        askingCompare = true;
        say(`\n${pc.yellow(spoilerQuestion(lesson))} ${pc.bold('y')} shows it, any other key does not.`);
        return;
      case 'yes':
      case 'other':
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
        say(pc.red(`✖ ${(err as Error).message}`)); // a failed key press must not end the session
      }
    });
  }
  ctx.onInterrupt((code) => void quit(code));

  await loop.start();
  return exited;
}

export const start = defineCommand({
  name: 'start',
  usage,
  options: { once: { type: 'boolean' }, 'no-web': { type: 'boolean' }, port: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  positionals: 0,
  longRunning: true,
  async run({ values }, ctx) {
    if (values.help) {
      console.log(help);
      return 0;
    }
    const port = Number(values.port ?? 4321);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port takes a port number (0 for any free one), not ${values.port}`);
    const ci = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== '0' && process.env.CI.toLowerCase() !== 'false';
    if (values.once || ci) return once(ctx.ws);
    return watchMode(ctx.ws, { web: !values['no-web'], port }, ctx);
  },
});
