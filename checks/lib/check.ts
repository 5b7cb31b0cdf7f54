// The check runner: a check is a list of named expectations run against the learner's folder.
// It owns the time bound and the clean-up, so every check gets them on every path.
import { existsSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { App } from './app.ts';
import { Fatal, Unmet } from './errors.ts';
import { freePort, request, RequestFailed, sleep } from './http.ts';
import { root } from './paths.ts';
import { runnable } from './runnable.ts';
import { isToolchainHelper } from './command-name.ts';
import { idle } from './event-loop.ts';
import { listenAddresses } from './listen-address.ts';
import { listeningPorts } from './proc.ts';
import { describeExit, Program } from './program.ts';
import { nativeStartFix, runtimeNote, startCommand } from './runtime.ts';
import { Timeline, withTimeline } from './timeline.ts';
import { typecheck } from './typecheck.ts';
import type { CheckResult, Expectation, TimelineEvent } from './types.ts';

export interface StartOptions {
  /** Extra environment for the program (PORT is always set). `undefined` removes a variable. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The expectation's name; the default says it answers on PORT. */
  readonly name?: string;
  /** The file to run, relative to the folder; default server.ts. */
  readonly entry?: string;
  /** How long it may take to answer at all; default 10 s (a cold tsx start is about 1 s). */
  readonly readyMs?: number;
  /**
   * GET / timeouts (2 s each) before "the route hangs"; default 3. A primary that hands out
   * connections itself may lose the first ones to workers still loading their code.
   */
  readonly hungAfter?: number;
  /** The hint when nothing answers or GET / hangs; default: listen on PORT, answer every route. */
  readonly readyHint?: string;
  /**
   * Connections closed without an answer, in a row, before that is the verdict, and why it
   * happens; default: never a verdict (they are retried until readyMs).
   */
  readonly closed?: { readonly after: number; readonly hint: string };
}

/** `about`: the programs an expectation judges, when other copies run beside them (a chart under its ✗ draws only theirs). */
export interface ExpectOptions {
  readonly about?: readonly { readonly pid: number }[];
}

export interface CheckContext {
  /** The folder being checked (lessons/NN-…, solutions/NN-…, or --dir). */
  readonly dir: string;
  /** The folder as the learner would type it. */
  readonly shownDir: string;
  /**
   * Run a named expectation. `body` throws via `unmet()` (or a failed request) to fail it; a
   * `Fatal` error, or the program dying, stops the whole check. Returns the body's value, or
   * undefined when it failed.
   */
  expect<T>(name: string, hint: string, body: () => Promise<T>, opts?: ExpectOptions): Promise<T | undefined>;
  /** Type-check the folder, start its server.ts on a free port and wait until it answers. */
  start(opts?: StartOptions): Promise<App>;
  /** Start a program without waiting for it to listen (for programs that must refuse to start). */
  spawn(opts?: StartOptions & { readonly port?: number }): Promise<Program>;
  /** Start a program on a free port without waiting or type-checking: an App with app.ts's helpers. */
  spawnApp(opts?: StartOptions): Promise<App>;
  /** Run on every exit path, before the programs are killed (e.g. stop a pm2 daemon). */
  defer(fn: () => Promise<void> | void): void;
  /**
   * End the check here, after a ✗ that leaves the later expectations nothing to judge: the verdict
   * then says they were not tried (a plain return listed fewer lines and said nothing).
   */
  stopHere(): never;
}

export interface CheckDefinition {
  /** Hard bound for the whole check, clean-up excluded. */
  readonly timeoutMs: number;
  run(t: CheckContext): Promise<void>;
}

export function defineCheck(def: CheckDefinition): CheckDefinition {
  return def;
}

/** Stops the run after a fatal expectation; already recorded. */
class Stop extends Error {}

export interface RunOptions {
  /** Aborting it cancels the run (watch mode saw a newer save): its processes are killed. */
  readonly signal?: AbortSignal;
  /** Each timeline event as it happens, in order (for a live view); `result.timeline` has them all. */
  readonly onEvent?: (e: TimelineEvent) => void;
  /**
   * End the run once an expectation for which this is true has its verdict (the test suite: a
   * wrong variant's named ✗ is all it asserts). Expectations still running then are not recorded.
   */
  readonly stopWhen?: (e: Expectation) => boolean;
}

export async function runCheck(
  lesson: { readonly id: string; readonly title: string },
  def: CheckDefinition,
  dir: string,
  { signal, onEvent, stopWhen }: RunOptions = {},
): Promise<CheckResult> {
  const started = performance.now();
  const timeline = new Timeline(started, onEvent);
  const expectations: Expectation[] = [];
  const programs: Program[] = [];
  const deferred: (() => Promise<void> | void)[] = [];
  let current: string | undefined;
  let stoppedEarly: string | undefined;
  let typechecked: Promise<string> | undefined;
  let timedOut = false; // timed out or cancelled: expectations still running are not recorded
  let reached: string | undefined; // the expectation `stopWhen` waited for, once it has its verdict
  const fromCwd = relative(process.cwd(), dir);
  const shownDir = fromCwd === '' ? '.' : fromCwd.startsWith('..') ? dir : fromCwd;
  // A folder outside the workshop, or a test variant kept as patches, runs from a copy.
  const folder = runnable(dir, join(root, 'solutions', lesson.id));
  dir = folder.dir;

  const record = (e: Omit<Expectation, 'durationMs'>, since: number): void => {
    if (timedOut || reached !== undefined) return;
    const done: Expectation = { ...e, durationMs: Math.round(performance.now() - since) };
    expectations.push(done);
    timeline.expectationEnded(e.name, e.ok);
    if (stopWhen?.(done)) reached = e.name;
  };
  /** After a verdict: go on, or end the run here when it was the one `stopWhen` waited for. */
  const goOn = (): void => {
    if (reached !== undefined) throw new Stop();
  };

  const served: Program[] = []; // started with t.start(): programs meant to keep running
  /**
   * An exited program to blame an unexpected error on: one the expectation is about, else one meant
   * to keep running. Not a copy spawned to be refused: its exit is its job (a ✗ once quoted
   * THREADS=0's refusal for a hung request to the serving program).
   */
  const blamable = (about?: readonly { readonly pid: number }[]): Program[] => (about ? programs.filter((p) => about.some((a) => a.pid === p.pid)) : served.length > 0 ? served : programs);
  const dead = (about?: readonly { readonly pid: number }[]): Program | undefined => blamable(about).find((p) => p.exit !== undefined);

  const t: CheckContext = {
    dir,
    shownDir,
    async expect<T>(name: string, hint: string, body: () => Promise<T>, opts: ExpectOptions = {}): Promise<T | undefined> {
      if (timedOut || reached !== undefined) throw new Stop();
      const since = performance.now();
      current = name;
      timeline.expectationStarted(name, opts.about?.map((p) => p.pid));
      try {
        const value = await body();
        record({ name, ok: true }, since);
        goOn();
        return value;
      } catch (err) {
        if (err instanceof Stop) {
          timeline.leave(name); // stopped inside it (a fatal expectation within): no verdict of its own
          throw err;
        }
        if (err instanceof Unmet) {
          record({ name, ok: false, ...err.outcome, hint: err.outcome.hint ?? hint }, since);
          goOn();
          return undefined;
        }
        if (err instanceof Fatal) {
          record({ name, ok: false, expected: name, seen: [err.message, err.detail].filter(Boolean).join('\n'), hint: err.hint ?? hint }, since);
          stoppedEarly = err.message;
          throw new Stop();
        }
        // A reset connection is often its program dying: give the exit a moment to be seen, so that
        // the ✗ names it (lesson 01's /work that called process.exit() got three ✗ about fib first).
        if (err instanceof RequestFailed && (err.code === 'ECONNRESET' || err.code === 'EPIPE') && !dead(opts.about)) {
          await Promise.race([...blamable(opts.about).map((p) => p.exited), sleep(500)]);
        }
        const gone = dead(opts.about);
        if (gone?.exit) {
          const why = `the program ${describeExit(gone.exit)}`;
          record({ name, ok: false, expected: name, seen: `${why}. Its last output:\n${gone.tail()}`, hint }, since);
          stoppedEarly = why;
          throw new Stop();
        }
        if (err instanceof RequestFailed) {
          // A request with no answer in time is often not what the line's hint is about: a route that
          // never answers, or one that answers far too slowly (an await per call of a recursive fib).
          const noAnswer = err.code === 'TIMEOUT' ? 'No answer in time: send a response on every path through the route (res.json(…)), soon, and keep the process free to take requests. If it does: ' : '';
          record({ name, ok: false, expected: name, seen: err.message, hint: `${noAnswer}${hint}` }, since);
          goOn();
          return undefined;
        }
        // A bug in the check itself: say so rather than blame the learner.
        const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
        record({ name, ok: false, expected: name, seen: `the check itself failed: ${message}`, hint: 'This is a bug in the workshop; please report it.' }, since);
        stoppedEarly = 'internal error';
        throw new Stop();
      }
    },

    async spawn(opts: StartOptions & { readonly port?: number } = {}): Promise<Program> {
      const entry = opts.entry ?? 'server.ts';
      if (!existsSync(join(dir, entry))) {
        throw new Fatal(`${join(shownDir, entry)} does not exist`, '', `Each lesson's program lives in ${entry} inside the lesson folder.`);
      }
      const port = opts.port ?? (await freePort());
      // The workshop's own NODE_OPTIONS mean nothing to the learner's program; a check may set its own.
      const env: Record<string, string | undefined> = { ...process.env, NODE_OPTIONS: undefined, PORT: String(port), ...opts.env };
      for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
      // A branch still running beside a verdict that ended the run starts nothing the clean-up would miss.
      if (timedOut || reached !== undefined) throw new Stop();
      const program = new Program({ dir, entry, env });
      programs.push(program);
      return program;
    },

    async spawnApp(opts: StartOptions = {}): Promise<App> {
      const port = await freePort();
      return new App(await t.spawn({ ...opts, port }), port);
    },

    async start(opts: StartOptions = {}): Promise<App> {
      const port = await freePort();
      const program = await t.spawn({ ...opts, port });
      served.push(program);
      if (!typechecked) {
        const compiling = typecheck(dir, signal); // a cancelled run stops its compiler too
        typechecked = compiling;
        await t.expect('the TypeScript compiles', 'Fix the first error tsc reports: file(line,column) says where.', async () => {
          // Name files as the learner knows them, not as the copy we may be running.
          const errors = (await compiling).replaceAll(relative(root, dir), shownDir);
          if (errors) throw new Fatal('tsc found type errors', errors.split('\n').slice(0, 12).join('\n'));
        });
      }
      const app = new App(program, port);
      const entry = opts.entry ?? 'server.ts';
      const name = opts.name ?? `${entry} starts and answers GET / on PORT`;
      await t.expect(name, `Listen on Number(process.env.PORT) and answer GET / with JSON {"pid": process.pid}.`, () =>
        waitUntilAnswering(app, entry, startCommand(dir, join(shownDir, entry)), opts.readyMs ?? 10_000, opts),
      );
      return app;
    },

    defer(fn) {
      deferred.push(fn);
    },

    stopHere() {
      if (expectations.some((e) => !e.ok)) stoppedEarly ??= 'the rest needs the ✗ above';
      throw new Stop();
    },
  };

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), def.timeoutMs);
  });
  // A newer save (watch mode) cancels the run: stop where it is and clean up as on a timeout.
  const cancelled = new Promise<'cancelled'>((resolve) => {
    if (signal?.aborted) resolve('cancelled');
    signal?.addEventListener('abort', () => resolve('cancelled'), { once: true });
  });
  // Everything the check does (its requests, programs, signals) is recorded on this run's timeline.
  const run = withTimeline(timeline, () => def.run(t)).then(
    () => 'done' as const,
    (err: unknown) => {
      if (err instanceof Stop) return 'done' as const;
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      expectations.push({ name: 'the check runs', ok: false, seen: `the check itself failed: ${message}`, hint: 'This is a bug in the workshop; please report it.', durationMs: 0 });
      timeline.clearRunning();
      timeline.add({ kind: 'expectation', name: 'the check runs', ok: false });
      stoppedEarly = 'internal error';
      return 'done' as const;
    },
  );
  const how = await Promise.race([run, timeout, cancelled]);
  clearTimeout(timer);
  if (reached !== undefined) {
    stoppedEarly ??= `stopped after "${reached}", as the caller asked`;
    timeline.clearRunning(); // expectations that were running beside it have no verdict
  }
  if (how === 'cancelled') {
    timedOut = true; // no more recording
    stoppedEarly = 'cancelled';
    timeline.clearRunning();
  }
  if (how === 'timeout') {
    expectations.push({
      name: `the check finishes within ${def.timeoutMs / 1000} s`,
      ok: false,
      expected: `a verdict within ${def.timeoutMs / 1000} s`,
      seen: `still waiting on: ${current ?? 'the start'}`,
      hint: 'A request that never gets an answer is the usual cause: does every route send a response?',
      durationMs: def.timeoutMs,
    });
    timedOut = true;
    stoppedEarly = 'time ran out';
    timeline.clearRunning();
    timeline.add({ kind: 'expectation', name: `the check finishes within ${def.timeoutMs / 1000} s`, ok: false });
  }
  timeline.cleaningUp = true;
  await withTimeline(timeline, async () => {
    for (const fn of deferred.reverse()) {
      try {
        await fn();
      } catch {
        // Clean-up goes on whatever one step says.
      }
    }
  });
  await Promise.all(programs.map((p) => p.stop()));
  // A group is gone once its top process is a zombie; Node reaps it and reports its exit a moment
  // later: wait for that (bounded), so the program's exit is on the timeline.
  let reaped: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(programs.map((p) => p.exited)), new Promise((r) => (reaped = setTimeout(r, 1000)))]);
  clearTimeout(reaped);
  timeline.stop(); // the exits of the clean-up are on it; nothing after
  if (how === 'cancelled') await typechecked; // the compiler was killed by the abort: wait until it is gone
  const note = programs.length > 0 ? runtimeNote(dir) : undefined;
  folder.done();
  return {
    lesson: { id: lesson.id, title: lesson.title },
    dir: shownDir,
    ok: how !== 'cancelled' && expectations.length > 0 && expectations.every((e) => e.ok),
    expectations,
    ...(stoppedEarly ? { stoppedEarly } : {}),
    ...(note ? { notes: [note] } : {}),
    timeline: timeline.events,
    durationMs: Math.round(performance.now() - started),
  };
}

/** Without /proc: how long a program may listen on other ports only before that is its verdict. */
const OTHER_PORT_GRACE_MS = 5000;

/**
 * A module looked for directly in the workshop's folder, the working directory the check starts
 * programs from (as the READMEs do): a path the program took as relative to it.
 */
function fromWorkingDirFix(output: string): string | undefined {
  const missing = /Cannot find module '([^']+)'/.exec(output)?.[1];
  if (missing === undefined || relative(root, missing) !== basename(missing)) return undefined;
  return `${basename(missing)} was looked for in the folder the program was started from (the check starts it from the workshop's folder, as the README's "Run it by hand" does). Name the file from its own folder: fileURLToPath(new URL('./${basename(missing)}', import.meta.url)).`;
}

async function waitUntilAnswering(app: App, entry: string, byHand: string, readyMs: number, opts: StartOptions = {}): Promise<void> {
  const hungAfter = opts.hungAfter ?? 3;
  const { program, port } = app;
  const deadline = Date.now() + readyMs;
  let lastPortLook = 0;
  let otherSince: number | undefined;
  let settledLooks = 0;
  let hung = 0;
  let closed = 0; // in a row
  let failed = 0; // tries with no answer, all told (a refused one reached nothing)
  for (;;) {
    if (program.exit) {
      const fix = nativeStartFix(program.output) ?? fromWorkingDirFix(program.output);
      throw new Fatal(`${entry} ${describeExit(program.exit)} before it answered`, `Its last output:\n${program.tail()}`, fix ?? `Run it yourself to see the whole error: ${byHand}`);
    }
    try {
      await request(port, '/', { timeoutMs: 2000 });
      return;
    } catch (err) {
      if (!(err instanceof RequestFailed)) throw err;
      closed = err.code === 'ECONNRESET' ? closed + 1 : 0;
      if (err.code !== 'ECONNREFUSED') failed++;
      if (opts.closed && closed >= opts.closed.after) {
        // The chart under it counts every try that failed: say the others too.
        const before = failed > closed ? `, after ${failed - closed} other ${failed - closed === 1 ? 'try' : 'tries'} that got no answer` : '';
        throw new Fatal(`it accepts connections on port ${port}, but closed ${closed} in a row without an answer${before}`, '', opts.closed.hint);
      }
      // Connected but no answer, three times: it listens and the route hangs. (A first answer can
      // be slow on a busy machine, so one timeout is not a verdict.)
      if (err.code === 'TIMEOUT' && ++hung >= hungAfter) {
        throw new Fatal(`it accepts connections on port ${port}, but GET / got no answer within 2 s, ${hungAfter === 3 ? 'three' : hungAfter} times`, '', opts.readyHint ?? 'Every route must send a response: res.json({ pid: process.pid }).');
      }
    }
    if (Date.now() - lastPortLook > 400) {
      lastPortLook = Date.now();
      const members = program.members();
      const ports = listeningPorts(members);
      // Another port alone is a verdict only once the program has settled: a primary may open one
      // of its own (a mistake its own expectation names) while its workers still start, which can
      // take seconds on a loaded machine. Settled: every process idle (idle()) at three looks in a
      // row; without /proc (macOS), OTHER_PORT_GRACE_MS after the port was first seen.
      // PORT itself, but on an address a connection to 127.0.0.1 does not reach (::1, a LAN address).
      const hosts = ports.includes(port) ? listenAddresses(members).filter((a) => a.port === port).map((a) => a.host) : [];
      const elsewhere = hosts.length > 0 && !hosts.some((h) => /^127\./.test(h) || h === '0.0.0.0' || h === '::' || h === '*');
      const other = (ports.length > 0 && !ports.includes(port)) || elsewhere;
      otherSince = other ? (otherSince ?? Date.now()) : undefined;
      const states = members.filter((pid) => !isToolchainHelper(pid)).map(idle);
      const known = states.length > 0 && states.every((i) => i !== undefined);
      settledLooks = other && known && states.every((i) => i === true) ? settledLooks + 1 : 0;
      if (otherSince !== undefined && (settledLooks >= 3 || (!known && Date.now() - otherSince >= OTHER_PORT_GRACE_MS))) {
        if (elsewhere) {
          throw new Fatal(
            `it listens on port ${port}, but on ${hosts.join(', ')}, where a connection to 127.0.0.1 does not arrive`,
            '',
            `Listen on host 127.0.0.1: app.listen(Number(process.env.PORT), '127.0.0.1'). ${hosts.includes('::1') ? "'::1' is IPv6's loopback, another address than IPv4's 127.0.0.1." : 'That address is not 127.0.0.1, where the check connects.'}`,
          );
        }
        // A few above or below PORT: the program read PORT and did arithmetic on it (PORT + worker id).
        const near = ports.every((p) => Math.abs(p - port) <= 16);
        const hint = near
          ? `Listen on PORT itself, with nothing added: app.listen(Number(process.env.PORT), …).${ports.length > 1 ? " In a cluster every worker listens on that same port: the primary holds it and shares out the connections." : ''}`
          : 'Read the port from the environment: app.listen(Number(process.env.PORT), …).';
        throw new Fatal(`it listens on port ${ports.join(', ')}, but the check gave it PORT=${port}, and nothing listens there`, '', hint);
      }
    }
    if (Date.now() >= deadline) {
      throw new Fatal(`nothing answered on 127.0.0.1:${port} within ${readyMs / 1000} s`, `Its last output:\n${program.tail()}`, opts.readyHint ?? 'Call app.listen(Number(process.env.PORT), …) (in the workers, once you have a cluster).');
    }
    await sleep(50);
  }
}

