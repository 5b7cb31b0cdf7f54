// Lesson 07: a cluster (WORKERS=2 here) that drains on SIGTERM and replaces its workers one at a
// time on SIGHUP. The check signals the primary, and once one worker directly; it keeps requests in
// flight at 1 s at most, and loads it with fresh connections (a keep-alive client sees resets even
// from a correct program).
//
// A worker that closes its server and exits at once loses a connection the primary handed it in
// the moment before (Node's lib/internal/cluster/child.js comments on this window). A steady load
// hits that window only sometimes, so for the worker's own SIGTERM the check makes it certain: it
// pauses the primary (SIGSTOP) while the worker leaves, queues connections at the port, and lets
// the primary go (SIGCONT) only once the worker has exited or sits waiting. The primary then hands
// the first connection to the first free worker, which the check arranged to be the leaving one:
// a worker that waited for the primary (cluster.worker.disconnect()) sends it back, one that had
// exited loses it and the client hangs.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { coresCountHint, expectLoopbackOnly, fakeCoresEnv, pauseOnlineEnv, withPreloads, defineCheck, describeExit, describeReply, procState, procStat, runnableMs, describeFailures, HeldRequest, isAlive, pidOf, RequestFailed, sendSignal, sleep, SpawnLog, startLoad, resetsUnread, unmet, type App, type CheckContext, type Load, type LoadReport, type Reply } from './lib/index.ts';

const WORKERS = 2;
/** The cores the main copy sees (fake-cores.cjs): fewer than WORKERS, so a count capped at the cores shows. */
const SEEN_CORES = 1;
/** … and the WORKERS=1 copy's: more than its WORKERS, so a count raised to the cores (Math.max) shows. */
const SOLO_SEEN_CORES = 3;
/** … and its SIGHUP replacement is paused this long once it is 'online' (pause-online.cjs). */
const SOLO_PAUSE_MS = 600;
const ROLL_MS = 30_000; // bound for the whole rolling restart (a new worker starts in ≈ 1 s here, much more on a busy machine)
const HOLD_FIRST_MS = 2000; // held requests are let go this long after the second SIGHUP if nothing forked (3 s kill timer)
const SECOND_IN_FLIGHT_MS = 300; // one more, on a worker the restart is not retiring
const HOLD_AFTER_TERM_MS = 1000; // without /proc, the retired worker's held requests end this long after SIGTERM (its kill timer: 3 s)
const HOLD_BOUND_MS = 2000; // with /proc, they end once the primary could have left without that worker, or this long after SIGTERM
const SECOND_HUP_MS = 3000; // at least this long for a second SIGHUP to fork or retire a worker (more if the first was slow)
const STALL_MS = 5000; // no fork or exit this long, with old workers left: the restart has stopped (3 s kill timer + 2 s)
const DRAIN_BOUND_MS = 8000; // the primary must be gone this long after SIGTERM (3 s kill timer + a busy machine's margin)
const SLOW_CLIENTS = 8; // beside the 4 steady ones during the rolling restart
const SLOW_WRITE_MS = 300; // they connect, then send their request this long after
/** A worker runnable longer than this during a 300 ms /slow is not waiting on a timer (asleep, it is runnable a few ms). */
const BUSY_MS = 150;
/**
 * Before the primary's SIGTERM, at most this long for the second restart to disconnect an old worker
 * (a primary that retires with disconnect()): at once for a right one on a quiet machine. On Node
 * 20 at a load of 12-19 a new worker took seconds to listen, and a SIGTERM that came before any
 * retirement let a shutdown that stops only the workers cluster.workers lists pass (2 runs in 20).
 */
const RETIRE_WAIT_MS = 6000;
const HELD_MS = 800; // the request a worker holds when it gets SIGTERM
/** A rolling restart that ends with the right count and an old worker among them (a learner probe's took workers by position). */
const RETIRED_NEW_HINT =
  'The restart left an old worker and retired a new one: take the list of workers to replace once, before the first fork ([...alive], or Object.values(cluster.workers) then), not by position as you go (the list changes as workers come and leave).';
const tooFewHint = (forked: number, old: number): string =>
  `The restart forked ${forked} new worker${forked === 1 ? '' : 's'} for ${old} old ones: replace every worker that runs when SIGHUP comes (a copy of alive taken then), not a count of them (this program sees ${SEEN_CORES} core${SEEN_CORES === 1 ? '' : 's'}).`;
const LIVE_SET_HINT =
  'The restart also retired workers it had just forked, and goes on: take the list of workers to replace once, before the first fork ([...alive]). A for…of over the live set visits the workers added while it runs, the new ones too.';
const SOLO_GET_MS = 6000; // a connection lost on its way to a dead worker hangs: this long (a bounced one can take seconds at load 100+)
const SIGTERM_BIT = 1n << 14n; // signal 15 in /proc/PID/status's pending masks
const KILL_MS = 3000; // the contract's kill timer
const OVERTAKEN_MS = 1000; // a request still out this long after one sent later was answered, where one worker serves: lost
const UNANSWERED_WAIT_MS = 1000; // once a request of the rolling restart has failed, for the ones still out (a right answer takes 0.3 s)
const UNANSWERED = 'still unanswered when the check stopped waiting';
const KILLED_BY_MS = KILL_MS + 1500; // after SIGTERM: gone by then, or nothing killed it in time (a 5 s timer is not 3 s)
const LONG_MS = 10_000; // the contract's longest /slow: it outlasts KILLED_BY_MS by far, and only SIGKILL ends its worker in time

/** Sample app.workers() every 20 ms until stopped: the most and fewest live workers seen. */
function sampleWorkers(app: App): { stop(): { max: number; min: number; seen: Set<number> } } {
  let max = 0;
  let min = Infinity;
  const seen = new Set<number>();
  const timer = setInterval(() => {
    const pids = app.workers();
    max = Math.max(max, pids.length);
    min = Math.min(min, pids.length);
    for (const pid of pids) seen.add(pid);
  }, 20);
  return {
    stop() {
      clearInterval(timer);
      return { max, min, seen };
    },
  };
}

// What the kernel says a process is doing (Linux /proc; undefined where there is none, e.g. macOS,
// and the check then waits a fixed moment instead).
function readProc(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}
const hasProc = readProc(process.pid, 'wchan') !== undefined;
/** Asleep in epoll_wait: its event loop has nothing left to read (all it was sent, it has taken). */
const idle = (pid: number): boolean => /epoll/.test(readProc(pid, 'wchan') ?? '');
const stopped = (pid: number): boolean => /^T/.test((readProc(pid, 'stat') ?? '').split(') ')[1] ?? '');
function sigtermPending(pid: number): boolean {
  const status = readProc(pid, 'status') ?? '';
  const mask = (name: string): bigint => BigInt(`0x${new RegExp(`${name}:\\s*([0-9a-f]+)`).exec(status)?.[1] ?? '0'}`);
  return ((mask('SigPnd') | mask('ShdPnd')) & SIGTERM_BIT) !== 0n;
}

/** Wait (≤ ms) until the primary and these workers have read everything sent to them: primary, workers, primary again. */
async function quiet(app: App, workers: readonly number[], ms = 3000): Promise<void> {
  if (!hasProc) return sleep(150);
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    if (idle(app.pid) && workers.every((w) => idle(w) || !isAlive(w)) && idle(app.pid)) return;
    await sleep(2);
  }
}

/** What a held request got: the bytes, and when its connection closed (performance.now()), if it did. */
interface Held {
  readonly got: string;
  readonly closedAt: number | undefined;
}

/**
 * `count` connections, each with a GET / sent all but its last line: whichever worker took it keeps
 * it (disconnect() waits for it) until `finish()` sends the rest. `answers()` is what came back.
 */
function holdRequests(port: number, count: number): { connected: Promise<void>; finish: () => void; finishedAt: () => number | undefined; answers: (ms: number) => Promise<Held[]> } {
  const held = Array.from({ length: count }, () => new HeldRequest(port, 15_000));
  return {
    connected: Promise.all(held.map((h) => h.connected)).then(() => undefined),
    finish: () => {
      for (const h of held) h.finish();
    },
    finishedAt: () => held[0]?.finishedAt,
    answers: async (ms) => {
      const until = performance.now() + ms;
      for (const h of held) await h.settle(until - performance.now());
      const got = held.map((h) => ({ got: h.got, closedAt: h.closedAt }));
      for (const h of held) h.destroy();
      return got;
    },
  };
}

/** A GET on a fresh connection that says when it connected (the kernel accepts it even while the primary is paused). */
function openGet(port: number, path: string, timeoutMs: number): { connected: Promise<void>; reply: Promise<Reply | RequestFailed> } {
  let onConnect = (): void => {};
  const connected = new Promise<void>((resolve) => (onConnect = resolve));
  const started = performance.now();
  const reply = new Promise<Reply | RequestFailed>((resolve) => {
    const done = (r: Reply | RequestFailed): void => {
      clearTimeout(timer);
      onConnect();
      resolve(r);
    };
    const req = http.request({ host: '127.0.0.1', port, path, agent: false, headers: { connection: 'close' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => done(new RequestFailed(`GET ${path}: ${err.message}`, 'ECONNRESET')));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(body);
        } catch {
          json = undefined;
        }
        done({ status: res.statusCode ?? 0, body, json, ms: performance.now() - started });
      });
    });
    req.on('socket', (s) => s.once('connect', () => onConnect()));
    const timer = setTimeout(() => {
      req.destroy();
      done(new RequestFailed(`GET ${path} got no answer within ${timeoutMs} ms`, 'TIMEOUT'));
    }, timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => done(new RequestFailed(`GET ${path}: ${err.code ?? err.message}`, err.code ?? 'ERROR')));
    req.end();
  });
  return { connected, reply };
}

/** The second copy's rolling restart: one worker, so nobody else listens while it is replaced. */
interface OneRoll {
  readonly report: LoadReport;
  readonly ms: number;
  /** The new worker, serving, with the old one gone; undefined when that did not happen. */
  readonly rolled?: number;
  /** Why not: the primary exited, or nothing forked or ended for so long. */
  readonly why?: string;
}

/**
 * Stop a restart's load. A request that failed already decides 'no request fails'; one hung on its
 * way to a dead worker would hold the verdict up to its 10 s (a wrong program's verdict took
 * 14–24 s, two such waits): then no more than UNANSWERED_WAIT_MS. With `oneWorker` (one worker
 * serves now, the old one gone), also no longer than until every request still out has been
 * overtaken by OVERTAKEN_MS: one worker answers in turn, so such a request was lost on its way to
 * the worker that left. What is still out counts as failed (hung, for the hints).
 */
async function stopLoad(load: Load, oneWorker = false): Promise<LoadReport> {
  const failedAlready = load.done.some((sample) => !sample.ok);
  const ended = await load.stop(failedAlready ? UNANSWERED_WAIT_MS : undefined, oneWorker ? () => load.overtaken(OVERTAKEN_MS) : undefined);
  const hung = ended.unfinished.length;
  return hung === 0 ? ended : { ...ended, sent: ended.sent + hung, failed: ended.failed + hung, byReason: { ...ended.byReason, [UNANSWERED]: hung } };
}

/**
 * SIGHUP to a copy with one worker, under a steady load of fresh connections (2 at a time): a
 * primary that stops the old worker before the new one listens (stop first, or on 'online', which
 * comes before the worker's listen()) refuses connections meanwhile. With two workers the other
 * one serves them, and the mistake does not show.
 */
async function rollOne(app: App, old: number): Promise<OneRoll> {
  const load = startLoad(app.port, { concurrency: 2, timeoutMs: 10_000 });
  await sleep(50);
  const hupAt = performance.now();
  app.program.signal('SIGHUP');
  let rolled: number | undefined;
  let why: string | undefined;
  let lastSet = String(old);
  let changedAt = hupAt;
  for (;;) {
    const now = app.workers();
    const fresh = now.find((pid) => pid !== old && load.okSince(hupAt, pid) > 0);
    if (fresh !== undefined && !now.includes(old)) {
      rolled = fresh;
      break;
    }
    if (app.exit) {
      why = app.died('its primary');
      break;
    }
    const set = [...now].sort().join(' ');
    if (set !== lastSet) [lastSet, changedAt] = [set, performance.now()];
    // As the main copy's restart: no fork or exit for this long (twice as long before the first) is a stall.
    const since = performance.now() - changedAt;
    if (since > (changedAt === hupAt ? 2 : 1) * STALL_MS || performance.now() - hupAt > ROLL_MS) {
      why = `no worker forked or ended for ${(since / 1000).toFixed(1)} s; its workers: ${now.join(', ') || 'none'}`;
      break;
    }
    await sleep(25);
  }
  await sleep(100); // the new worker serves for a moment before the load stops
  const report = await stopLoad(load, rolled !== undefined);
  return { report, ms: Math.round(performance.now() - hupAt), ...(rolled === undefined ? {} : { rolled }), ...(why === undefined ? {} : { why }) };
}

interface KillTimer {
  readonly app: App;
  /** Its rolling restart, before the kill timer is tried. */
  readonly roll?: OneRoll;
  /** Why the set-up failed (the copy never answered, or its worker never took the request). */
  readonly setup?: string;
  /** The copy answered the long /slow long before its time: it refuses (or shortens) an N the contract allows. */
  readonly refused?: boolean;
  readonly worker?: number;
  /** Its live workers when SIGTERM was sent, after its SIGHUP restart: 1 if it reads WORKERS. */
  readonly workers?: readonly number[];
  /** When the worker was gone, in ms after SIGTERM; undefined if it still ran KILLED_BY_MS after SIGTERM. */
  readonly goneMs?: number;
  readonly exitMs?: number;
}

/**
 * A second copy (WORKERS=1), run beside the main one: a GET /slow?ms=LONG_MS in flight when the
 * primary gets SIGTERM. disconnect() waits for that request, so only the kill timer ends the
 * worker within 3 s; without one the primary waits out the request (8 s). `armed` settles once
 * SIGTERM is sent (the copy's starts are over), `result` once the copy is judged.
 */
function watchKillTimer(t: CheckContext): { armed: Promise<void>; result: Promise<KillTimer> } {
  let arm = (): void => {};
  const armed = new Promise<void>((resolve) => (arm = resolve));
  const run = async (): Promise<KillTimer> => {
    // It sees more cores than its WORKERS (fake-cores.cjs): a count raised to the cores shows. Its
    // SIGHUP replacement is paused once it is online, as a busy machine would hold it before its
    // listen(): a restart that retires the old worker on 'online', or some time after it, leaves
    // nobody listening (200 ms after 'online' passed 1 run in 5 where the new one listened sooner).
    const app = await t.spawnApp({ env: { WORKERS: '1', ...withPreloads(fakeCoresEnv(SOLO_SEEN_CORES), pauseOnlineEnv(SOLO_PAUSE_MS, { pauseFrom: 2 })) } });
    if (!(await app.answering(30_000))) return { app, setup: `a second copy (WORKERS=1) ${app.exit ? app.exitText() : 'never answered GET /'}` };
    const first = app.workers()[0];
    if (first === undefined) return { app, setup: 'a second copy (WORKERS=1) has no worker' };
    const roll = await rollOne(app, first);
    if (app.exit) return { app, roll, setup: `a second copy (WORKERS=1) ${app.exitText()} after SIGHUP` };
    // The kill timer is tried on whichever worker serves now (the old one, if the restart stalled).
    const worker = roll.rolled ?? app.workers()[0];
    if (worker === undefined) return { app, roll, setup: 'a second copy (WORKERS=1) has no worker after SIGHUP' };
    const held = openGet(app.port, `/slow?ms=${LONG_MS}`, LONG_MS + 5000);
    await held.connected;
    await quiet(app, [worker], 1000); // the request is with the worker now
    const workers = app.workers();
    const termAt = performance.now();
    app.program.signal('SIGTERM');
    arm();
    let goneMs: number | undefined;
    while (performance.now() - termAt < KILLED_BY_MS) {
      if (!isAlive(worker)) {
        goneMs = Math.round(performance.now() - termAt);
        break;
      }
      await sleep(20);
    }
    // The 8 s bound itself is judged on the first copy; here the exit only has to come.
    if (goneMs !== undefined) await Promise.race([app.program.exited, sleep(termAt + 2 * DRAIN_BOUND_MS - performance.now())]);
    const exitMs = app.exit ? Math.round(performance.now() - termAt) : undefined;
    if (!app.exit) await app.program.stop(200);
    // Its worker is gone: the request was cut off, unless it was answered long before its 10 s
    // (refused, a cap below the contract's 10 000): then nothing was in flight to judge.
    const reply = await Promise.race([held.reply, sleep(1000)]);
    if (reply !== undefined && !(reply instanceof RequestFailed)) {
      const ms = Math.round(reply.ms);
      return { app, roll, worker, workers, setup: `GET /slow?ms=${LONG_MS} was answered ${ms} ms after it was sent (status ${reply.status}), not after ${LONG_MS} ms`, refused: true };
    }
    return { app, roll, worker, workers, ...(goneMs === undefined ? {} : { goneMs }), ...(exitMs === undefined ? {} : { exitMs }) };
  };
  const result = run().finally(arm);
  return { armed, result };
}

const why = (r: Reply | RequestFailed): string => (r instanceof RequestFailed ? r.code : `status ${r.status}`);

export default defineCheck({
  timeoutMs: 90_000, // about 4.5 s on a quiet machine; 25–60 s seen here at load 100–115
  async run(t) {
    // The kill timer's copy runs beside the rest: it waits out the 3 s timer while the main copy
    // goes on. It starts first, so that it is armed by the time the main copy's SIGHUP comes (its
    // starts would slow the rolling restart's new workers: 30 s bound; at load 112 on Node 20 they
    // made the solution miss it), and the main copy need not wait for it.
    const killTimer = watchKillTimer(t);
    killTimer.result.catch(() => undefined); // a main copy that fails to start ends the run first
    // A cold start is about 1 s; a machine busy with other checks can take ten times that.
    // Which workers the primary forked after its JS had the SIGTERM: recorded from inside it.
    const spawns = new SpawnLog();
    t.defer(() => spawns.remove());
    const app = await t.start({ env: { WORKERS: String(WORKERS), ...withPreloads(spawns.env, fakeCoresEnv(SEEN_CORES)) }, readyMs: 30_000 });
    // The lines below judge this copy: a chart under a ✗ leaves the kill timer's copy out.
    const main = { about: [app] };
    const before = await t.expect(`${WORKERS} workers answer GET / (WORKERS=${WORKERS})`, 'Fork WORKERS workers in the primary; each answers {"pid": process.pid}.', async () => {
      // Fewer live workers, all answering for 1.5 s with no new one forked, are the verdict (not the 8 s bound).
      const { answered, workers } = await app.census({ want: WORKERS, deadlineMs: 8000 });
      if (answered.size !== WORKERS || workers.length !== WORKERS) {
        unmet(`${WORKERS} workers`, `${workers.length} live workers, ${answered.size} distinct pids answered (${[...answered].join(', ')})`, coresCountHint(SEEN_CORES, workers.length, WORKERS));
      }
      return new Set(workers);
    }, main);
    if (!before) return t.stopHere();
    await expectLoopbackOnly(t, app);

    await t.expect('GET /slow?ms=300 answers after about 300 ms, from a timer (not a busy loop)', 'Answer /slow from a timer: setTimeout(() => res.json({ pid: process.pid, ms }), ms).', async () => {
      // Sent once the workers are counted, the first two at once (two new connections: the primary
      // hands them to the two workers in turn), a third alone only if those two disagree. The
      // kernel's count of each worker's runnable time (running, or ready and waiting for a core)
      // tells a timer (asleep) from a loop on the clock (runnable throughout, however crowded); it
      // is the worker's own, so the other request beside it does not blur it.
      // A timer's worker can still wait that long for a core at a load of 26 (256 ms once in 20 runs
      // on Node 20), and at a load of 38 a loop on the clock passed once in 20 runs, counted
      // runnable under 150 ms in a try. At a load of 11 both workers of a right program were counted
      // 167 and 170 ms in the first two, sent together, which then failed it (1 run in 20): the
      // requests after those go alone, and it takes two asleep to pass, three busy to fail (of four).
      const busy: string[] = [];
      let asleep = 0;
      for (let round = 1; round <= 3 && busy.length < 3 && asleep < 2; round++) {
        const runnableBefore = new Map([...before].map((pid) => [pid, runnableMs(pid)] as const));
        const sent = Array.from({ length: round === 1 ? 2 : 1 }, () => app.get('/slow?ms=300', 5000).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))));
        for (const reply of await Promise.all(sent)) {
          if (reply instanceof Error) unmet('status 200 and JSON with "pid"', reply.message);
          const pid = pidOf(reply);
          if (reply.status !== 200 || pid === undefined) unmet('status 200 and JSON with "pid"', describeReply(reply));
          if (reply.ms < 280 || reply.ms > 2300) unmet('an answer after 300 ms', `it answered after ${Math.round(reply.ms)} ms`);
          const from = runnableBefore.get(pid);
          const to = runnableMs(pid);
          if (from === undefined || to === undefined) return; // no /proc/PID/schedstat here (macOS): nothing to judge
          if (to - from <= BUSY_MS) asleep++;
          else busy.push(`worker ${pid}: ${Math.round(to - from)} ms`);
        }
      }
      if (busy.length < 3) return;
      unmet(
        `a worker asleep while it waits (runnable less than ${BUSY_MS} ms of the 300)`,
        `it was running or ready to run for most of them, ${busy.length} times of ${busy.length + asleep} (${busy.join(', ')}): a loop that waits for the clock, not a timer`,
      );
    }, main);

    // SIGHUP: a rolling restart under a steady loop of fresh connections, 4 at a time with no gap,
    // and 8 slow clients that connect and send their request SLOW_WRITE_MS later: whenever the primary
    // retires a worker, that worker holds some of those, accepted with nothing to read yet. Node
    // 26's server.close() resets such a connection (nodejs/node#63470) unless the worker keeps it;
    // with the fast clients alone that happened in about half of the runs, with these in every one.
    // 10 s per request: a lost connection hangs for ever, while at load 100+ a starved check saw
    // correct answers come after its 5 s timer.
    await killTimer.armed;
    const load = startLoad(app.port, { concurrency: 4, timeoutMs: 10_000, slow: { clients: SLOW_CLIENTS, writeDelayMs: SLOW_WRITE_MS } });
    const sampler = sampleWorkers(app);
    await sleep(100);
    const hupAt = performance.now();
    app.program.signal('SIGHUP');
    let finished = false;
    let stalledMs: number | undefined;
    let lastSet = [...before].sort().join(' ');
    let changedAt = hupAt;
    let firstChangeMs: number | undefined; // SIGHUP to the first fork or exit: how soon this primary acts on one
    while (performance.now() - hupAt < ROLL_MS) {
      const now = app.workers();
      if (firstChangeMs === undefined && [...now].sort().join(' ') !== lastSet) firstChangeMs = performance.now() - hupAt;
      // Done when no worker from before is left (how many there are is for the expectations below).
      if (now.length >= WORKERS && now.every((pid) => !before.has(pid))) {
        finished = true;
        break;
      }
      if (app.exit) break;
      // Stalled: exactly WORKERS, old ones among them, every new one serving, and no fork or exit
      // for STALL_MS. A primary that forks first is never there for long. One that stops an old
      // worker first is there while that one drains (the kill timer ends that within 3 s) or
      // while a new one starts (not serving yet: a start can take 10 s on a busy machine).
      const set = [...now].sort().join(' ');
      if (set !== lastSet) [lastSet, changedAt] = [set, performance.now()];
      const sinceChange = performance.now() - changedAt;
      const serving = now.every((pid) => before.has(pid) || load.okSince(hupAt, pid) > 0);
      // Before the first fork, twice as long: the SIGHUP may wait behind the load for a core.
      if (now.length === WORKERS && now.some((pid) => before.has(pid)) && serving && sinceChange > (changedAt === hupAt ? 2 : 1) * STALL_MS) {
        stalledMs = Math.round(sinceChange);
        break;
      }
      await sleep(50);
    }
    const rollMs = Math.round(performance.now() - hupAt);
    await sleep(200); // the new workers serve for a while before the loop stops
    const report = await stopLoad(load);
    const hung = report.byReason[UNANSWERED] ?? 0;
    const during = sampler.stop();

    await t.expect('the primary survives SIGHUP', 'Handle SIGHUP in the primary: process.on(\'SIGHUP\', …). Without a handler, SIGHUP ends the process.', async () => {
      if (app.exit) unmet('the primary still running after SIGHUP', app.died('it'));
    }, main);
    if (app.exit) return;

    await t.expect(`after SIGHUP every worker is replaced by a new one, within ${ROLL_MS / 1000} s`, 'For each worker that runs now: fork a new one, wait for its \'listening\' event, then worker.disconnect() the old one.', async () => {
      if (!finished) {
        const now = app.workers();
        const when = stalledMs === undefined ? `after ${ROLL_MS / 1000} s` : `${(rollMs / 1000).toFixed(1)} s after SIGHUP, and no worker forked or ended for the last ${(stalledMs / 1000).toFixed(1)} s`;
        const stayed = now.filter((p) => before.has(p)).length;
        // Stalled with the right count, some old, some new: it forked too few, or retired a new worker
        // in an old one's place.
        const shifted = stalledMs !== undefined && now.length === WORKERS && stayed > 0 && stayed < WORKERS;
        const forked = spawns.forksAfter('SIGHUP').length;
        unmet(
          `${WORKERS} or more live workers, none of them from before SIGHUP`,
          `${when}: ${now.length} live workers (${now.join(', ') || 'none'}), ${stayed} of them from before`,
          shifted ? (forked < before.size ? tooFewHint(forked, before.size) : RETIRED_NEW_HINT) : undefined,
        );
      }
    }, main);

    await t.expect('no request fails during the rolling restart', 'Fork the new worker and wait for \'listening\' before you disconnect an old one; worker.disconnect() lets its requests finish.', async () => {
      if (report.ok === 0) unmet('answers during the restart', `none of ${report.sent} requests got an answer`);
      if (report.failed > 0) {
        // Only hung requests: the primary had handed a connection to a worker that then exited
        // without reading it (a worker that closes its server and exits at once; Node's child.js
        // comments on this window). disconnect() waits for the primary's acknowledgement.
        const onlyHung = (report.byReason.TIMEOUT ?? 0) + hung === report.failed;
        unmet(
          `0 failed of ${report.sent} requests (fresh connections, ${report.slowSent} of them from clients that send ${SLOW_WRITE_MS / 1000} s after connecting; ${rollMs} ms of restart)`,
          `${report.failed} failed: ${describeFailures(report)}`,
          onlyHung
            ? 'A request hung: its connection was on its way to a worker that exited. Let workers leave through worker.disconnect() (from the primary, or cluster.worker.disconnect() in the worker), not server.close() then process.exit().'
            : resetsUnread(report)
              ? `Connections were reset. On Node ${process.versions.node}, server.close() (which disconnect() calls) resets every connection the worker has accepted but not yet read (nodejs/node#63470): keep the starter's given server.closeIdleConnections override in the worker. If you have it, a worker died mid-request: stop workers with worker.disconnect(), not worker.kill().`
              : 'Fork the new worker and wait for \'listening\' before you stop an old one, and stop it with worker.disconnect(): worker.kill() only sends SIGTERM, and a worker without a SIGTERM handler dies mid-request.',
        );
      }
    }, main);

    await t.expect(`at most ${WORKERS + 1} workers at any moment of the restart (one at a time)`, 'Replace them one by one: await each old worker\'s exit before you fork the next new one. More than one extra means a retired worker was replaced too: worker.kill() only sends SIGTERM, so exitedAfterDisconnect stays false unless the worker leaves through cluster.worker.disconnect().', async () => {
      if (during.max > WORKERS + 1) unmet(`at most ${WORKERS + 1} live workers`, `${during.max} live workers at once`);
    }, main);

    const after = await t.expect(`${WORKERS} workers afterwards, all new, and they stay`, "A worker you stop on purpose is not a crash: in cluster.on('exit'), skip the fork when worker.exitedAfterDisconnect is true. It is true only for a worker that left through disconnect(): worker.kill() only sends SIGTERM, and unless the worker's SIGTERM handler calls cluster.worker.disconnect() it stays false: the killed worker is replaced as a crash.", async () => {
      await sleep(300);
      const settled = sampleWorkers(app);
      const answered = await app.waitForPids(WORKERS, 3000);
      await sleep(300);
      const later = settled.stop();
      const now = app.workers();
      const old = [...answered].filter((p) => before.has(p));
      // What the restart forked, from the program's own record, and which of those are gone again.
      const forked = spawns.forksAfter('SIGHUP').flatMap((r) => (r.pid === null ? [] : [r.pid]));
      const newGone = forked.filter((p) => !now.includes(p) && !isAlive(p));
      if (later.max !== WORKERS || later.min !== WORKERS || now.length !== WORKERS) {
        // Too many, and workers it had just forked retired: a loop over the live set, which visits them too.
        const liveSet = later.max > WORKERS && newGone.length > 0;
        unmet(`exactly ${WORKERS} live workers`, `between ${later.min} and ${later.max} live workers over 1 s (now ${now.length}: ${now.join(', ')})`, liveSet ? LIVE_SET_HINT : undefined);
      }
      // The right count, and an old one left: the restart forked too few, or retired a new worker in
      // its place.
      if (old.length > 0) {
        const tooFew = forked.length < before.size;
        unmet(
          'answers from new pids only',
          `old pid(s) still answer: ${old.join(', ')}${tooFew ? `; the restart forked ${forked.length} for ${before.size}` : ''}`,
          tooFew ? tooFewHint(forked.length, before.size) : later.max === WORKERS && later.min === WORKERS ? RETIRED_NEW_HINT : undefined,
        );
      }
      const churned = [...later.seen].filter((p) => !now.includes(p));
      if (churned.length > 0) unmet('the same workers over 1 s', `workers came and went: ${[...later.seen].join(', ')}`);
      return [...now];
    }, main);
    if (!after) return t.stopHere();

    // SIGTERM to one worker from outside, with a request in flight on it. The primary's round-robin
    // hands a connection to the first worker in its free list, and a worker goes to the back of it
    // each time it takes one: after two /slow requests (one each) and one GET /, the worker that
    // did not answer that GET is first. That one gets SIGTERM while the primary is paused.
    const [w1, w2] = after;
    if (w1 === undefined || w2 === undefined) return;
    await quiet(app, after);
    const held = [openGet(app.port, `/slow?ms=${HELD_MS}`, HELD_MS + 5000), openGet(app.port, `/slow?ms=${HELD_MS}`, HELD_MS + 5000)];
    await Promise.all(held.map((h) => h.connected));
    await quiet(app, after);
    const probe = await app.get('/', 3000).catch(() => undefined);
    const probed = probe ? pidOf(probe) : undefined;
    const leaving = probed === w1 ? w2 : w1;
    await quiet(app, after);
    let queued: { connected: Promise<void>; reply: Promise<Reply | RequestFailed> }[] = [];
    let termAt = 0;
    let heldReplies: (Reply | RequestFailed)[] = [];
    let goneWhilePaused = false;
    app.program.signal('SIGSTOP');
    t.defer(() => app.program.signal('SIGCONT'));
    try {
      for (const deadline = performance.now() + 2000; hasProc && !stopped(app.pid) && performance.now() < deadline; ) await sleep(1);
      if (!hasProc) await sleep(20);
      queued = Array.from({ length: 4 }, () => openGet(app.port, '/', SOLO_GET_MS));
      await Promise.all(queued.map((q) => q.connected));
      termAt = performance.now();
      try {
        sendSignal(leaving, 'SIGTERM');
      } catch {
        // Already gone: the expectations below say so.
      }
      heldReplies = await Promise.all(held.map((h) => h.reply));
      // Let the primary go once the worker has exited, or has taken the signal and sits waiting.
      for (const deadline = performance.now() + 3000; performance.now() < deadline; ) {
        if (!isAlive(leaving)) {
          goneWhilePaused = true;
          break;
        }
        if (hasProc ? !sigtermPending(leaving) && idle(leaving) : performance.now() - termAt > 300) break;
        await sleep(2);
      }
    } finally {
      app.program.signal('SIGCONT');
    }
    const queuedReplies = await Promise.all(queued.map((q) => q.reply));
    let leftMs: number | undefined;
    for (const deadline = performance.now() + 6000; performance.now() < deadline; ) {
      if (!isAlive(leaving)) {
        leftMs = Math.round(performance.now() - termAt);
        break;
      }
      await sleep(10);
    }

    const heldFailed = heldReplies.filter((r) => r instanceof RequestFailed || r.status !== 200);
    await t.expect('a worker that gets SIGTERM itself finishes its request, then exits', 'In the worker: process.on(\'SIGTERM\', () => cluster.worker?.disconnect()). It closes the server, lets the requests it holds finish, and the worker exits.', async () => {
      // (If neither request landed on that worker, a very busy machine upset the set-up: the worker's
      // leaving is still judged below, and by the requests queued meanwhile.)
      if (heldFailed.length > 0) {
        unmet(`GET /slow?ms=${HELD_MS} in flight on worker ${leaving} when it got SIGTERM answers 200`, `it failed: ${heldFailed.map(why).join(', ')}`);
      }
      if (leftMs === undefined) unmet(`worker ${leaving} gone once its requests are done`, `it still runs ${Math.round((performance.now() - termAt) / 1000)} s after SIGTERM`);
    }, main);

    await t.expect('no connection is lost while that worker leaves', 'Leave through cluster.worker.disconnect(): not server.close() then process.exit(), and not cluster.worker.kill() or process.kill(), which end the worker without waiting. disconnect() waits until the primary has taken the worker out of its rotation, and a connection already on its way is sent back and served by another worker.', async () => {
      const lost = queuedReplies.filter((r) => r instanceof RequestFailed || r.status !== 200);
      if (lost.length > 0) {
        unmet(
          `all 4 requests sent while worker ${leaving} left answer 200`,
          `${lost.length} failed (${lost.map(why).join(', ')})${goneWhilePaused ? `: worker ${leaving} exited before the primary had taken it out of the rotation, and the connection handed to it was never read` : ''}`,
          heldFailed.length > 0 ? 'The worker died at once on SIGTERM, with a connection on its way to it. Handle SIGTERM in the worker: process.on(\'SIGTERM\', () => cluster.worker?.disconnect()).' : undefined,
        );
      }
    }, main);

    // The primary may replace that worker or not (the lesson leaves it to you): let a replacement
    // start before the primary's own SIGTERM.
    await sleep(50);
    const fresh = app.newWorkers(after);
    if (fresh.length > 0) await app.waitForPids(app.workers().length, 10_000);

    // A second SIGHUP: a rolling restart is not a one-off (a flag left set ignores the next deploy),
    // and the primary's SIGTERM below comes in the middle of it, as a deploy and a shutdown can
    // meet: it must still drain every worker, fork none, and exit 0.
    // From a settled set of workers: a late replacement of the worker that left must not pass for the restart.
    let beforeSecond = app.workers().sort().join(' ');
    for (let since = performance.now(), until = since + 2000; performance.now() - since < 200 && performance.now() < until; ) {
      await sleep(20);
      const now = app.workers().sort().join(' ');
      if (now !== beforeSecond) [beforeSecond, since] = [now, performance.now()];
    }
    // Before it, every old worker gets requests sent all but their last line: a worker the restart
    // retires drains them until the check sends the rest, after its SIGTERM. So that SIGTERM surely
    // comes while a retired worker still drains (cluster.workers no longer lists a worker once
    // disconnect() is called on it: a shutdown that stops only those leaves it behind), and while
    // the restart still runs (a primary that ignores SIGTERM then never exits).
    const holding = holdRequests(app.port, 3 * beforeSecond.split(' ').length);
    await holding.connected;
    await quiet(app, app.workers()); // each old worker has read what it holds
    const secondBoundMs = Math.max(SECOND_HUP_MS, Math.min(ROLL_MS, 5 * (firstChangeMs ?? 0) + 1000));
    const secondHupAt = performance.now();
    app.program.signal('SIGHUP');
    let secondChange: string | undefined;
    let secondChangeAt = performance.now(); // the retired worker's kill timer starts no sooner than this
    while (performance.now() - secondHupAt < secondBoundMs && !app.exit) {
      const now = app.workers().sort().join(' ');
      if (now !== beforeSecond) {
        secondChange = now;
        secondChangeAt = performance.now();
        break;
      }
      // No fork yet: a primary that stops an old worker first waits for what it holds. Let them
      // go within its 3 s kill timer.
      if (performance.now() - secondHupAt > HOLD_FIRST_MS) holding.finish();
      await sleep(10);
    }
    await t.expect('a second SIGHUP starts another rolling restart (a worker forks or leaves), and SIGTERM may come in the middle of it', "Let each SIGHUP start a rolling restart once the last one is done: reset your 'restarting' flag in a finally, and ignore no SIGHUP for coming soon after the last one (each is a deploy).", async () => {
      if (app.exit) unmet('the primary still running after a second SIGHUP', app.died('it'), app.exit.signal === 'SIGHUP' ? "process.on('SIGHUP', …), not process.once: a once listener is gone after the first SIGHUP, and the next one ends the process." : undefined);
      if (secondChange === undefined) unmet(`a worker forked or gone within ${(secondBoundMs / 1000).toFixed(1)} s of the second SIGHUP`, `the workers stayed ${beforeSecond.replace(/ /g, ', ')}: the first SIGHUP's restart was done, this one started nothing`);
    }, main);
    if (app.exit) return;
    // SIGTERM once a new worker answers (a primary that forks first retires an old one then, and its
    // kill timer starts), or within 2 s: one that stops an old worker first has none listening for a moment.
    let newAnswered = false;
    for (const until = performance.now() + 2000; performance.now() < until && !newAnswered; ) {
      const reply = await app.get('/', 1000).catch((err: unknown) => err);
      const pid = reply instanceof RequestFailed || reply instanceof Error ? undefined : pidOf(reply as Reply);
      newAnswered = pid !== undefined && !beforeSecond.split(' ').includes(String(pid));
      if (!newAnswered) await sleep(20);
    }
    // And one more request on a worker that is not being retired (a new one takes the connections
    // now), where a worker can answer: a primary that exits at once takes it down mid-request.
    const second = newAnswered ? openGet(app.port, `/slow?ms=${SECOND_IN_FLIGHT_MS}`, 6000) : undefined;
    if (second) {
      await second.connected;
      await quiet(app, app.workers(), 300); // the retired worker's kill timer runs: no long wait here
    }
    await sleep(50);
    // A primary that retires workers with worker.disconnect() (its first restart did): SIGTERM once
    // this restart has retired one too, so that a shutdown that disconnects that worker again shows.
    // The new worker answering is not enough: the primary may not have taken in its 'listening'
    // yet (a restart that called old.disconnect() itself passed once on Node 20 at a load of 15-20).
    if (spawns.disconnects().some((pid) => before.has(pid))) {
      const olds = new Set(beforeSecond.split(' ').map(Number));
      for (const until = performance.now() + RETIRE_WAIT_MS; performance.now() < until && !app.exit && !spawns.disconnects().some((pid) => olds.has(pid)); ) await sleep(10);
    }

    // SIGTERM: the request in flight must complete, and the primary leaves last, with code 0.
    const workersAtTerm = new Set(app.workers());
    const watch = sampleWorkers(app);
    const primaryTermAt = performance.now();
    app.program.signal('SIGTERM');
    // The retired worker's requests end once the primary has had every chance to leave without
    // it: the new workers (their request is 300 ms) are gone and reaped, and the primary has
    // exited or sleeps with nothing to do. A primary that waits only for the workers
    // cluster.workers lists is gone by then, however slow a busy machine makes that, and the
    // retired worker outlives it; one that waits for every worker exits after both. At the latest
    // HOLD_BOUND_MS after SIGTERM, and inside that worker's kill timer (it started after the
    // second restart's first change, when the restart retired it); without /proc, HOLD_AFTER_TERM_MS.
    const newAtTerm = [...workersAtTerm].filter((pid) => !beforeSecond.split(' ').includes(String(pid)));
    const letGo = (async (): Promise<void> => {
      // Not later than 0.6 s before that kill timer can fire, unless that is sooner than the fixed 1 s.
      const bound = hasProc ? Math.min(HOLD_BOUND_MS, Math.max(HOLD_AFTER_TERM_MS, secondChangeAt + KILL_MS - 600 - primaryTermAt)) : HOLD_AFTER_TERM_MS;
      for (const until = primaryTermAt + bound; performance.now() < until && !app.exit; await sleep(10)) {
        if (hasProc && newAtTerm.every((pid) => procState(pid) === undefined) && !sigtermPending(app.pid) && idle(app.pid)) break;
      }
      holding.finish();
    })();
    const exit = await Promise.race([app.program.exited, sleep(DRAIN_BOUND_MS).then(() => undefined)]);
    const exitMs = Math.round(performance.now() - primaryTermAt);
    // Right at the primary's exit: which of its workers still live?
    const watched = watch.stop().seen;
    // A worker that outlived the primary was handed to another parent (alive, or a zombie where
    // nobody reaps orphans): that stays true however late a busy machine lets the check look.
    const outlived = (pid: number): boolean => {
      const ppid = procStat(pid)?.ppid;
      return ppid !== undefined && ppid !== app.pid;
    };
    const leftAtExit = exit ? [...new Set([...workersAtTerm, ...watched])].filter((pid) => isAlive(pid) || outlived(pid)) : [];
    await letGo;
    const heldAnswers = await holding.answers(2000);
    const secondReply = await second?.reply;

    await t.expect('a request in flight when SIGTERM arrives still gets its answer', 'On SIGTERM, worker.disconnect() each worker: it stops taking connections and finishes the ones it has.', async () => {
      const unanswered = heldAnswers.filter((a) => !/^HTTP\/1\.[01] 200/.test(a.got));
      if (unanswered.length > 0) {
        // Closed before the check sent the rest: the worker was gone while its request still came in.
        const sentRest = holding.finishedAt();
        const early = unanswered.filter((a) => a.got === '' && a.closedAt !== undefined && (sentRest === undefined || a.closedAt < sentRest));
        const earliest = Math.min(...early.map((a) => a.closedAt ?? Infinity));
        unmet(
          `an answer of 200 to each of the ${heldAnswers.length} requests the old workers were reading before the second SIGHUP (the check sent their last line after SIGTERM)`,
          `${unanswered.length} got ${unanswered.map((a) => (a.got === '' ? 'no answer: the connection closed' : JSON.stringify(a.got.split('\r\n')[0]))).join(', ')}${early.length > 0 ? `; ${early.length === unanswered.length ? 'each' : `${early.length} of them`} closed before the check sent the rest of its request, the first ${Math.round(earliest - primaryTermAt)} ms after SIGTERM` : ''}`,
          early.length > 0 && earliest - primaryTermAt < KILL_MS
            ? `A worker was gone less than ${KILL_MS / 1000} s after SIGTERM with a request still coming in: disconnect() waits for it, so something ended it sooner (a kill timer shorter than ${KILL_MS / 1000} s, worker.kill(), or a worker that exits without waiting for its connections).`
            : undefined,
        );
      }
      if (secondReply instanceof RequestFailed) unmet(`GET /slow?ms=${SECOND_IN_FLIGHT_MS} (with a new worker when SIGTERM came) answers 200`, secondReply.message);
      if (secondReply && secondReply.status !== 200) unmet('status 200', describeReply(secondReply));
    }, main);

    await t.expect(`the primary exits with code 0 within ${DRAIN_BOUND_MS / 1000} s of SIGTERM`, 'When every worker has exited, process.exit(0) in the primary.', async () => {
      if (!exit) unmet(`an exit within ${DRAIN_BOUND_MS / 1000} s`, `the primary was still running after ${DRAIN_BOUND_MS / 1000} s. Its last output:\n${app.program.tail()}`);
      if (exit.code !== 0) unmet('exit code 0', `it ${describeExit(exit)} ${exitMs} ms after SIGTERM`);
    }, main);

    await t.expect('the primary exits only after its last worker is gone, and nothing is left', 'Wait for every worker\'s \'exit\' event (not just disconnect()) before the primary exits: every worker in `alive`, the one a rolling restart is still draining too (cluster.workers no longer lists a worker once disconnect() is called on it).', async () => {
      if (!exit) return;
      if (leftAtExit.length > 0) unmet('no live worker when the primary exits', `worker(s) ${leftAtExit.join(', ')} still ran when the primary exited, ${exitMs} ms after SIGTERM. Its last output:\n${app.program.tail(6)}`);
      if (!(await app.program.waitGroupGone(2000))) unmet('no process left', `still running 2 s after the primary exited: ${app.program.members().join(', ')}`);
    }, main);

    // The worker the restart drains when SIGTERM comes is stopped by both, unless they share one
    // record: a second disconnect() makes it throw when it is done (a learner probe's restart that
    // called old.disconnect() itself passed every line; its worker died of it after its answers).
    await t.expect('each worker is stopped once: none dies of ERR_IPC_DISCONNECTED while it drains', "Stop a worker only through stopWorker(), in the rolling restart too: it remembers the workers it is stopping (leaving), so SIGTERM's shutdown does not disconnect the one the restart drains a second time.", async () => {
      const said = app.program.output; // (the last 256 KiB: this program says little)
      const lines = said.split('\n');
      const at = lines.findIndex((l) => l.includes('ERR_IPC_DISCONNECTED'));
      if (at >= 0) unmet('no ERR_IPC_DISCONNECTED in the output', `a worker threw it:\n${lines.slice(at, at + 3).join('\n').trim()}`);
    }, main);

    // A restart still running when SIGTERM comes may be waiting for an old worker to leave: when
    // it does, a loop that does not look at the flag forks the next one. The check's /proc samples
    // catch such a fork only if it outlives the primary's exit by 20 ms; the program's own record does not miss it.
    await t.expect('no worker is forked after SIGTERM', "Set a flag in the primary's SIGTERM handler and fork nothing once it is set: not in the 'exit' listener, and not in the rolling restart, which may be waiting for an old worker to leave when SIGTERM comes.", async () => {
      if (!exit) return;
      const late = spawns.forksAfter('SIGTERM');
      if (late.length > 0) unmet('no cluster.fork() once the primary has had its SIGTERM', `it forked ${late.length} after it: pid ${late.map((r) => r.pid ?? '?').join(', ')}`);
    }, main);

    // The main copy's WORKERS=2 is this machine's core count in CI: a primary that forks one per
    // core whatever WORKERS says passes there, and only this copy's WORKERS=1 tells them apart.
    await t.expect('with WORKERS=1 (a second copy), exactly one worker', 'Read process.env.WORKERS and fork that many workers; os.availableParallelism() is only the default, when WORKERS is unset.', async () => {
      const k = await killTimer.result;
      if (k.setup !== undefined && k.workers === undefined) unmet('a second copy that answers GET /', k.setup);
      if (k.workers?.length !== 1) unmet('1 live worker', `${k.workers?.length ?? 0} live workers (${k.workers?.join(', ') ?? ''}) after its SIGHUP restart, when SIGTERM was sent`, coresCountHint(SOLO_SEEN_CORES, k.workers?.length ?? 0, 1));
    });

    await t.expect('with WORKERS=1 (the second copy), SIGHUP replaces its one worker, and no request fails', "With one worker nobody else listens while it is replaced: fork the new one, wait for its 'listening' event ('online' comes before the worker has called listen()), and only then disconnect the old one.", async () => {
      const k = await killTimer.result;
      const r = k.roll;
      if (r === undefined) unmet('a second copy that answers GET /', k.setup ?? '');
      if (r.report.ok === 0) unmet('answers during its restart', `none of ${r.report.sent} requests got an answer`);
      if (r.report.failed > 0) {
        unmet(
          `0 failed of ${r.report.sent} requests (fresh connections, 2 at a time; ${r.ms} ms of restart)`,
          `${r.report.failed} failed: ${describeFailures(r.report)}`,
          (r.report.byReason.ECONNREFUSED ?? 0) > 0 ? undefined : 'Stop the old worker with worker.disconnect() once the new one listens: it finishes what it holds, and a connection on its way to it is sent back.',
        );
      }
      if (r.rolled === undefined) unmet('a new worker serving, and the old one gone', r.why ?? '');
    });

    await t.expect(`a worker that has not finished ${KILL_MS / 1000} s after the primary's SIGTERM is killed`, `In stopWorker(): const timer = setTimeout(() => worker.process.kill('SIGKILL'), ${KILL_MS}); clear it on the worker's 'exit'. disconnect() waits for every request, however long.`, async () => {
      const k = await killTimer.result;
      if (k.refused) unmet(`GET /slow?ms=${LONG_MS} still in flight when its worker is killed`, k.setup ?? '', 'GET /slow?ms=N takes any N up to 10 000: answer it after N ms, from a timer.');
      if (k.setup !== undefined) unmet('a second copy with a request in flight', k.setup);
      if (k.goneMs === undefined) {
        unmet(
          `worker ${k.worker} killed ${KILL_MS / 1000} s after SIGTERM, before its request could end`,
          `with a GET /slow?ms=${LONG_MS} in flight on it, it still ran ${KILLED_BY_MS / 1000} s after SIGTERM: nothing killed it in time`,
        );
      }
      if (k.exitMs === undefined) unmet('the primary to exit once its worker is gone', `its worker was gone ${k.goneMs} ms after SIGTERM, but the primary ${k.app.exitText()} ${(2 * DRAIN_BOUND_MS) / 1000} s after SIGTERM`);
      if (k.app.exit?.code !== 0) unmet('exit code 0', `the primary ${k.app.exitText()}`, 'Its worker was killed in time; the exit code is the primary\'s: process.exit(0) once every worker has exited.');
    });
  },
});
