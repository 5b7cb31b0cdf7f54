// Lesson 04: the primary replaces a worker that dies — crashed by GET /crash, killed with SIGKILL —
// while the other one keeps serving; on SIGTERM it lets its workers go and exits 0; and with
// CRASH_ON_START=1 (a bad deploy) it gives up after a few tries instead of forking forever.
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import net from 'node:net';
import { defineCheck, describeFailures, type CheckContext, Fatal, isAlive, isToolchainHelper, listProcesses, pidOf, sendSignal, sleep, startLoad, unmet, type App, type Program } from './lib/index.ts';

/** The worker the check kills has been answering at least this long: a stable one (the contract's 1 s, plus room). */
const STABLE_MS = 1200;
/** A replacement starts a new process (node + tsx): about 0.5 s on an idle machine, 16 s seen on a very busy one. */
const REPLACE_MS = 30_000;
const WORKERS = 2;
/** The contract: after at most this many unstable deaths in a row the primary forks no more. */
const MAX_UNSTABLE = 5;
/**
 * The crash loop runs with this many workers: they all die at once, so the primary meets its
 * unstable deaths in one round of process starts (each start costs 0.1–1 s of CPU: Node 24, tsx on 20).
 */
const CRASH_WORKERS = MAX_UNSTABLE;
const MAX_FORKS = CRASH_WORKERS + MAX_UNSTABLE;
/** The steady loop around the kill: 4 requests at a time, each on a fresh connection. */
const LANES = 4;
const MAX_FAILED = 2 * LANES;

const primaryDied = (app: App): Fatal =>
  new Fatal(
    `the primary ${app.program.exit?.signal ? `was killed by ${app.program.exit.signal}` : `exited with code ${app.program.exit?.code}`} after a worker died. Its last output:`,
    app.program.tail(),
    "The primary must outlive its workers: don't exit (or throw) in cluster.on('exit'); fork a replacement there instead.",
  );

const untilMark = (mark: number): Promise<void> => sleep(Math.max(0, mark - performance.now()));

/**
 * Wait until one new worker (a pid not in `before`) runs beside the survivors and answers GET /.
 * Returns the new pid and how long it took; fails when the primary forks none, or too many.
 */
async function replacement(app: App, before: readonly number[], since: number): Promise<{ pid: number; ms: number; forkMs: number }> {
  const deadline = performance.now() + REPLACE_MS;
  let fresh: number[] = [];
  let forkMs: number | undefined; // how long this program takes to fork a replacement
  for (;;) {
    if (app.program.exit) throw primaryDied(app);
    fresh = app.workers().filter((p) => !before.includes(p));
    if (fresh.length > 0) {
      forkMs ??= Math.round(performance.now() - since);
      const answers = await Promise.allSettled([0, 1, 2, 3].map(() => app.pidOnce(1500)));
      const pid = answers.map((a) => (a.status === 'fulfilled' ? a.value : undefined)).find((p) => p !== undefined && fresh.includes(p));
      if (pid !== undefined) {
        const workers = app.workers();
        if (workers.length !== WORKERS) {
          unmet(`${WORKERS} workers (WORKERS=${WORKERS}), one of them new`, `${workers.length} workers: ${workers.join(', ')}`, 'Fork exactly one replacement for each worker that dies.');
        }
        return { pid, ms: Math.round(performance.now() - since), forkMs };
      }
    }
    if (performance.now() >= deadline) {
      unmet(
        `a new worker that answers GET / within ${REPLACE_MS / 1000} s`,
        fresh.length === 0
          ? `no new worker was forked; the primary's workers: ${app.workers().join(', ') || 'none'}`
          : `new worker ${fresh.join(', ')} was forked but never answered GET /`,
      );
    }
    await sleep(40);
  }
}

/** Reaped by its parent: no longer even a zombie. The primary's 'exit' event has fired by then. */
const reaped = (pid: number): boolean => (existsSync('/proc/self') ? !existsSync(`/proc/${pid}`) : !isAlive(pid));

/** The children of `pid`, zombies included: /proc's list is one read; elsewhere ps (no zombies). */
function childrenWithZombies(pid: number, fallback: () => number[]): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return fallback();
  }
}

/**
 * Half a request on its own connection: the worker that took it cannot finish server.close()
 * until the check lets go, so on SIGTERM its exit comes apart from the others' (a program that
 * replaces planned exits from a timer is caught only then). Returns the socket and, on Linux, the
 * worker that holds it once that worker has read the bytes.
 */
async function holdOneWorker(app: App): Promise<{ socket: net.Socket; worker: number | undefined }> {
  const socket = net.connect(app.port, '127.0.0.1');
  socket.on('error', () => {}); // the worker may go; the check only holds on
  await new Promise<void>((resolve) => {
    socket.once('connect', resolve);
    socket.once('error', resolve);
    setTimeout(resolve, 3000).unref();
  });
  socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n'); // no blank line: the request is still on its way
  const deadline = performance.now() + 5000;
  while (socket.localPort !== undefined && existsSync('/proc/net/tcp') && performance.now() < deadline) {
    const worker = holder(app, socket.localPort);
    if (worker !== undefined) return { socket, worker };
    await sleep(20);
  }
  return { socket, worker: undefined };
}

/** The worker whose end of the connection from `clientPort` has read everything sent on it. */
function holder(app: App, clientPort: number): number | undefined {
  const hex = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');
  let inode: string | undefined;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const f = line.trim().split(/\s+/);
      // local address, remote address, state, tx:rx queue, …, inode (field 9)
      if (f[1]?.endsWith(`:${hex(app.port)}`) && f[2]?.endsWith(`:${hex(clientPort)}`) && f[3] === '01' && f[4]?.endsWith(':00000000')) inode = f[9];
    }
  }
  if (inode === undefined) return undefined;
  for (const pid of app.workers()) {
    try {
      if (readdirSync(`/proc/${pid}/fd`).some((fd) => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`;
        } catch {
          return false;
        }
      })) return pid;
    } catch {
      // That worker is gone.
    }
  }
  return undefined;
}

interface BackoffTerm {
  /** Whether SIGTERM reached the primary while it had no worker (it waited before the next try). */
  readonly hit: boolean;
  readonly program: Program;
  /** Workers forked after SIGTERM. */
  readonly forked: number[];
  readonly ms: number;
  /** It forked more than a primary that gives up may: stopped at once (the crash-loop expectation fails it). */
  readonly runaway: boolean;
}

/**
 * With WORKERS=1 and CRASH_ON_START=1 the primary has no worker between a death and its next try.
 * Send SIGTERM then: the primary is stopped (SIGSTOP) while the check looks, so no fork can slip in
 * between the look and the signal; a window is used only when the check saw the death within a few
 * ms, so the primary's wait before its next try is still running.
 */
async function termDuringBackoff(t: CheckContext): Promise<BackoffTerm> {
  const program = await t.spawn({ env: { WORKERS: '1', CRASH_ON_START: '1' } });
  const started = performance.now();
  const helper = new Map<number, boolean>();
  const workersOf = (pids: number[]): number[] =>
    pids.filter((pid) => {
      if (!helper.has(pid)) helper.set(pid, isToolchainHelper(pid));
      return !helper.get(pid);
    });
  const present = (): number[] => workersOf(childrenWithZombies(program.pid, () => program.children()));
  let seen: number[] = [];
  const forks = new Set<number>();
  let lastPresent = 0;
  let emptySince: number | undefined; // when the check first saw no worker after a death
  let lastWindow: number | undefined; // how long the primary went without a worker last time
  while (!program.exit && performance.now() - started < 60_000) {
    const now = performance.now();
    const workers = present();
    for (const pid of workers) forks.add(pid);
    if (forks.size > MAX_UNSTABLE + 1) break; // a fork bomb: nothing to learn here, stop it now
    if (workers.length > 0 || !seen.every(reaped)) {
      if (workers.length > 0) {
        seen = workers;
        if (emptySince !== undefined) lastWindow = now - emptySince;
        emptySince = undefined;
      }
      lastPresent = now; // a worker runs, or is dead but not yet reaped (its 'exit' has not run)
    } else if (seen.length > 0) {
      emptySince ??= lastPresent;
      if (now - emptySince > 5000) break; // no worker and no new try: it gave up (judged elsewhere)
      // Act only while most of the wait is surely still ahead: the waits grow, so half the last one.
      const reaction = now - lastPresent;
      if (reaction > Math.max(15, (lastWindow ?? 0) / 2)) {
        await sleep(2);
        continue;
      }
      // A worker died and the primary has reaped it (its 'exit' has run) a moment ago: the
      // replacement is not forked yet.
      try {
        sendSignal(program.pid, 'SIGSTOP');
      } catch {
        break;
      }
      // No child at all, not even a zombie: a worker that came and went between two looks may
      // still wait to be reaped, and its 'exit' would reach the primary together with SIGTERM.
      const none = present().length === 0 && workersOf(listProcesses().filter((p) => p.ppid === program.pid).map((p) => p.pid)).length === 0;
      if (none) program.signal('SIGTERM');
      sendSignal(program.pid, 'SIGCONT');
      if (none) {
        const termAt = performance.now();
        const forked = new Set<number>();
        while (!program.exit && performance.now() - termAt < 5000) {
          for (const pid of present()) forked.add(pid);
          if (forked.size > 0) break;
          await sleep(20);
        }
        return { hit: true, program, forked: [...forked], ms: Math.round(performance.now() - termAt), runaway: false };
      }
      seen = []; // a fork slipped in first: wait for the next death
      emptySince = undefined;
    }
    await sleep(2);
  }
  const runaway = forks.size > MAX_UNSTABLE + 1;
  if (!program.exit) await program.stop(200);
  return { hit: false, program, forked: [], ms: 0, runaway };
}

/** A line of the program's output that names `pid` and matches `why`. */
const logLine = (pid: number, why: string): RegExp => new RegExp(`^(?=.*\\b${pid}\\b)(?=.*(?:${why})).*$`, 'mi');

interface CrashLoop {
  readonly forks: number;
  readonly exit: Program['exit'];
  /** Why the watch ended. */
  readonly ended: 'exited' | 'too many forks' | 'idle' | 'deadline';
  readonly ms: number;
  readonly program: Program;
}

/** Watch a CRASH_ON_START program: count the workers it forks, stop it at once if that runs away. */
async function watchCrashLoop(program: Program): Promise<CrashLoop> {
  const started = performance.now();
  const isWorker = new Map<number, boolean>(); // tsx's esbuild helper is a child too: not a worker
  let lastAlive = started;
  const done = async (ended: CrashLoop['ended']): Promise<CrashLoop> => {
    const forks = [...isWorker.values()].filter(Boolean).length;
    if (ended !== 'exited') await program.stop(200); // a fork bomb must not burn the CPU any longer
    return { forks, exit: program.exit, ended, ms: Math.round(performance.now() - started), program };
  };
  for (;;) {
    const children = program.children();
    for (const pid of children) {
      if (isToolchainHelper(pid)) isWorker.set(pid, false);
      else if (!isWorker.has(pid)) isWorker.set(pid, true);
    }
    if (children.some((pid) => isWorker.get(pid))) lastAlive = performance.now();
    if (program.exit) return done('exited');
    if ([...isWorker.values()].filter(Boolean).length > MAX_FORKS) return done('too many forks');
    const forked = [...isWorker.values()].some(Boolean);
    if (forked && performance.now() - lastAlive > 5000) return done('idle');
    // Only a safety net: the fork count and the 5 s with no worker are the real limits (about 5 s
    // in all on a quiet machine; a load of 100+ seen here stretched it past a minute).
    if (performance.now() - started > 90_000) return done('deadline');
    await sleep(25);
  }
}

export default defineCheck({
  // About 10 s on a quiet machine; generous because under a load of 100+ one process start took
  // 10-20 s. Each step has its own, shorter bound.
  timeoutMs: 180_000,
  async run(t) {
    const app = await t.start({ env: { WORKERS: String(WORKERS), CRASH_ON_START: undefined }, readyMs: 30_000 });

    // The serving program first; an early return from it still leaves the crash loop to run. The
    // crash loop comes after the kill: its burst of process starts would slow the request loop.
    const serving = async (): Promise<void> => {
      const originals = await t.expect(`with WORKERS=${WORKERS}, ${WORKERS} workers answer GET /`, 'Keep lesson 03: fork Number(process.env.WORKERS) workers, each answering {"pid": process.pid}.', async () => {
        const seen = await app.waitForPids(WORKERS, 30_000);
        const workers = app.workers();
        if (seen.size === 0) {
          const reply = await app.get('/', 3000);
          unmet('GET / answers JSON {"pid": <pid of the worker>}', `status ${reply.status}, body ${reply.body.slice(0, 200) || '(empty)'} — no "pid"`, 'Answer GET / with res.json({ pid: process.pid }): the check tells the workers apart by "pid".');
        }
        if (seen.size < WORKERS || workers.length !== WORKERS) {
          unmet(`${WORKERS} workers, each answering with its own pid`, `pids that answered: ${[...seen].join(', ') || 'none'}; the primary's workers: ${workers.join(', ') || 'none'}`);
        }
        return workers;
      });
      if (originals === undefined) return;
      const originalsAt = performance.now(); // both have listened at least since then

      const crash = await t.expect('GET /crash makes the worker that answers it exit', 'In the worker, answer GET /crash and then end the process with a non-zero code: process.exit(1), or throw from a timer.', async () => {
        const logFrom = app.program.output.length;
        const reply = await app.get('/crash', 3000).catch(() => undefined); // answering first or not
        // The worker that answered, if it did: a program that also lets the other one go must not
        // have its log judged by the wrong pid.
        const answeredBy = reply ? pidOf(reply) : undefined;
        const deadline = performance.now() + 10_000;
        for (;;) {
          const dead = originals.filter((pid) => !isAlive(pid));
          const gone = dead.find((pid) => pid === answeredBy) ?? dead[0];
          if (gone !== undefined) return { pid: gone, at: performance.now(), logFrom };
          if (app.program.exit) throw primaryDied(app);
          if (performance.now() >= deadline) {
            const said = reply ? `it answered ${reply.status} ${reply.body.slice(0, 120)}` : 'it got no answer';
            unmet('one of the workers to exit', `GET /crash: ${said}, and workers ${originals.join(' and ')} were both still running 10 s later`);
          }
          await sleep(20);
        }
      });
      if (crash === undefined) return;

      const crashed = await t.expect('the primary replaces the crashed worker: two workers again, and the new one answers', "Node never restarts a worker by itself: in cluster.on('exit', …) fork a new one.", () =>
        replacement(app, originals, crash.at),
      );

      await t.expect('the primary logs which worker died and why: its pid and exit code', "In cluster.on('exit', (worker, code, signal) => …) log worker.process.pid and the code (or the signal).", async () => {
        const line = await app.program.waitForOutput(logLine(crash.pid, '(?:code|exit\\w*|status)\\W*[1-9]'), 3000, crash.logFrom);
        if (!line) unmet(`a line naming pid ${crash.pid} and its exit code, like "worker ${crash.pid} died (code 1)"`, `the output since the crash:\n${app.program.output.slice(crash.logFrom).trim().split('\n').slice(-8).join('\n') || '(nothing)'}`);
      });
      if (crashed === undefined) return;

      // Kill the other original worker (once it has answered for STABLE_MS) under a steady loop
      // of requests: the one left keeps answering while the primary forks a replacement. If the
      // original is gone (the primary replaced all its workers), kill the new one once it is stable.
      const original = originals.find((pid) => pid !== crash.pid && isAlive(pid));
      const victim = original ?? crashed.pid;
      const stableAt = original === undefined ? crash.at + crashed.ms + STABLE_MS : originalsAt + STABLE_MS;
      const load = startLoad(app.port, { concurrency: LANES, timeoutMs: 3000 });
      await untilMark(Math.max(stableAt, performance.now() + 300));
      const before = app.workers();
      const logFrom = app.program.output.length;
      const killedAt = performance.now();
      try {
        sendSignal(victim, 'SIGKILL');
      } catch {
        // Already gone: the replacement expectation says so.
      }
      const killed = await t.expect('after SIGKILL of a worker the primary replaces it: two workers again, and the new one answers', "Replace every worker that dies, whatever killed it: cluster.on('exit') fires for signals too.", () =>
        replacement(app, before, killedAt),
      ).catch(async (err: unknown) => {
        await load.stop();
        throw err;
      });
      await sleep(200);
      const report = await load.stop();

      await t.expect(`while one worker is killed the other keeps answering: at most ${MAX_FAILED} requests fail, none after the replacement answers`, 'Replace only the worker that died; the others must keep serving (no restart of all workers, no exit of the primary).', async () => {
        const answeredAt = killed === undefined ? Infinity : killedAt + killed.ms;
        const late = report.samples.filter((s) => !s.ok && s.startedAt > answeredAt);
        const during = report.samples.filter((s) => s.ok && s.endedAt > killedAt && s.endedAt < answeredAt).length;
        if (report.failed > MAX_FAILED || late.length > 0) {
          unmet(
            `at most ${MAX_FAILED} failed requests (those in flight to the killed worker), none sent after the new worker answered`,
            `${report.failed} of ${report.sent} requests failed (${describeFailures(report)}), ${late.length} of them after the new worker answered; ${during} answered between the kill and the replacement`,
          );
        }
      });

      await t.expect('the primary logs which worker died and why: its pid and SIGKILL', "The signal is the 'exit' listener's third argument: cluster.on('exit', (worker, code, signal) => …).", async () => {
        const line = await app.program.waitForOutput(logLine(victim, 'SIGKILL'), 3000, logFrom);
        if (!line) unmet(`a line naming pid ${victim} and SIGKILL, like "worker ${victim} died (signal SIGKILL)"`, `the output since the kill:\n${app.program.output.slice(logFrom).trim().split('\n').slice(-8).join('\n') || '(nothing)'}`);
      });

      // SIGTERM: every worker is let go on purpose, none replaced, and the primary exits 0. One
      // worker is kept busy with half a request, so the others' exits reach the primary apart from
      // its exit: a replacement forked from a timer after an exit (setTimeout(fork, 0)) shows then.
      const held = await holdOneWorker(app);
      const running = app.workers();
      const forked = new Set<number>();
      // Long enough for this program to fork a replacement, as it did after the SIGKILL.
      const holdMs = Math.min(5000, Math.max(500, 3 * (killed?.forkMs ?? crashed.forkMs) + 300));
      const termAt = performance.now();
      let othersGoneAt: number | undefined;
      app.program.signal('SIGTERM');
      while (!app.program.exit && performance.now() - termAt < 20_000) {
        for (const pid of app.workers()) if (!running.includes(pid)) forked.add(pid);
        if (forked.size > 0) break; // judged: no need to wait for an exit that can't come
        if (!held.socket.destroyed) {
          const others = running.filter((pid) => pid !== held.worker);
          if (held.worker === undefined ? others.some(reaped) : others.every(reaped)) othersGoneAt ??= performance.now();
          if ((othersGoneAt !== undefined && performance.now() - othersGoneAt > holdMs) || performance.now() - termAt > 10_000) held.socket.destroy();
        }
        await sleep(20);
      }
      held.socket.destroy();
      await t.expect('on SIGTERM the primary replaces none of the workers it lets go', "worker.disconnect() sets worker.exitedAfterDisconnect: check it in cluster.on('exit') and don't fork then.", async () => {
        if (forked.size > 0) {
          const busy = held.worker === undefined ? '' : ` (worker ${held.worker} was still busy with a request, so the others' exits came first)`;
          unmet('no new worker after SIGTERM', `it forked ${forked.size} new worker(s) (${[...forked].join(', ')}) after SIGTERM${busy}`);
        }
      });
      await t.expect('on SIGTERM the primary exits with code 0 once its workers are gone, leaving nothing running', "process.on('SIGTERM', …): disconnect every worker, then process.exit(0) when the last one has exited.", async () => {
        const exit = app.program.exit;
        if (!exit) unmet('the primary to exit within 20 s of SIGTERM', `it is still running, with workers ${app.workers().join(', ') || 'none'}. Its last output:\n${app.program.tail(5)}`);
        if (exit.code !== 0) unmet('exit code 0', `it ${exit.signal ? `was killed by ${exit.signal} (no SIGTERM handler?)` : `exited with code ${exit.code}`}`);
        if (!(await app.program.waitGroupGone(5000))) unmet('no process left after the primary exits', `still running: ${app.program.members().join(', ')}`);
      });
    };
    await serving();
    // The two bad-deploy programs run side by side: one gives up, one is stopped between its tries.
    const [loop, backoff] = await Promise.all([
      t.spawn({ env: { WORKERS: String(CRASH_WORKERS), CRASH_ON_START: '1' } }).then(watchCrashLoop),
      // A busy machine can keep the check from looking in time; then one more copy, one more chance.
      termDuringBackoff(t).then(async (first) => (first.hit || first.runaway ? first : termDuringBackoff(t))),
    ]);
    const tail = loop.program.tail(6);
    await t.expect(`with CRASH_ON_START=1 and WORKERS=${CRASH_WORKERS} the primary stops forking: at most WORKERS + ${MAX_UNSTABLE} = ${MAX_FORKS} workers in all`, `Count unstable deaths in a row (died before listening, or less than 1 s after); after ${MAX_UNSTABLE}, fork no more.`, async () => {
      if (loop.ended === 'too many forks') unmet(`at most ${MAX_FORKS} workers forked`, `it had forked ${loop.forks} workers in ${(loop.ms / 1000).toFixed(1)} s and kept going (the check stopped it). Its last output:\n${tail}`);
    });
    await t.expect('then, with no worker left, the primary exits with a non-zero code and says why', "Once you stop forking and the last worker has exited, console.error why (a crash loop) and process.exit(1).", async () => {
      const exit = loop.exit;
      if (loop.ended === 'too many forks') unmet('the primary to give up', 'it never stopped forking');
      if (!exit) {
        unmet(
          'the primary to exit once its last worker is gone',
          loop.ended === 'idle' ? `it forked ${loop.forks} workers, then ran on with none for 5 s. Its last output:\n${tail}` : `still running after ${loop.ms / 1000} s. Its last output:\n${tail}`,
        );
      }
      if (exit.code === 0 || exit.code === null) unmet('a non-zero exit code', `it ${exit.signal ? `was killed by ${exit.signal}` : 'exited with code 0'}: a supervisor (systemd, Docker, pm2) reads 0 as "all went well"`);
      if (!/crash|loop|unstable|giv\w* up|gave up|too (many|often|fast|quick)|restart|stop|abort/i.test(loop.program.output)) {
        unmet('a message that says why it gives up (e.g. "crash loop: … giving up")', `its last output:\n${tail}`);
      }
      if (!(await loop.program.waitGroupGone(2000))) unmet('no worker left after the primary exits', `still running: ${loop.program.members().join(', ')}`);
    });
    await t.expect(
      'SIGTERM while no worker is alive (between two tries of a crash loop): the primary forks none and exits with code 0',
      "No worker will exit to call process.exit(0) for you: in the SIGTERM handler, exit at once when none is alive, and let a try you scheduled fork nothing once you are stopping.",
      async () => {
        if (!backoff.hit) return; // no moment without a worker: it never waits before a new try
        const exit = backoff.program.exit;
        const tail = backoff.program.tail(5);
        if (backoff.forked.length > 0) unmet('no new worker after SIGTERM', `SIGTERM came while it waited to fork again; it forked worker ${backoff.forked.join(', ')} anyway. Its last output:\n${tail}`);
        if (!exit) unmet('the primary to exit within 5 s of SIGTERM', `with no worker alive it ran on for ${(backoff.ms / 1000).toFixed(1)} s after SIGTERM. Its last output:\n${tail}`);
        if (exit.code !== 0) unmet('exit code 0', `it ${exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`}. Its last output:\n${tail}`);
      },
    );
  },
});

