// Lesson 07: a cluster (WORKERS=2 here) that drains on SIGTERM and replaces its workers one at a

// loads it with fresh connections (a keep-alive client sees resets even from a correct program).
import { defineCheck, describeFailures, isAlive, pidOf, sleep, startLoad, unmet, type App, type Reply } from './lib/index.ts';

const WORKERS = 2;
const ROLL_MS = 30_000; // bound for the whole rolling restart (a new worker starts in ≈ 1 s here, much more on a busy machine)
const DRAIN_BOUND_MS = 8000; // the primary must be gone this long after SIGTERM (5 s kill timer + margin)

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

export default defineCheck({
  timeoutMs: 60_000, // about 6 s on a quiet machine; a busy one (load 100+ seen here) is much slower
  async run(t) {
    // A cold start is about 1 s; a machine busy with other checks can take ten times that.
    const app = await t.start({ env: { WORKERS: String(WORKERS) }, readyMs: 30_000 });

    const before = await t.expect(`${WORKERS} workers answer GET / (WORKERS=${WORKERS})`, 'Fork WORKERS workers in the primary; each answers {"pid": process.pid}.', async () => {
      const answered = await app.waitForPids(WORKERS, 8000);
      const workers = app.workers();
      if (answered.size !== WORKERS || workers.length !== WORKERS) {
        unmet(`${WORKERS} workers`, `${workers.length} live workers, ${answered.size} distinct pids answered (${[...answered].join(', ')})`);
      }
      return new Set(workers);
    });
    if (!before) return;

    await t.expect('GET /slow?ms=300 answers after about 300 ms', 'Answer /slow from a timer: setTimeout(() => res.json({ pid: process.pid, ms }), ms).', async () => {
      const reply = await app.get('/slow?ms=300', 5000);
      if (reply.status !== 200 || pidOf(reply) === undefined) unmet('status 200 and JSON with "pid"', `status ${reply.status}: ${reply.body.slice(0, 200)}`);
      if (reply.ms < 280 || reply.ms > 2300) unmet('an answer after 300 ms (timer, not a busy loop)', `it answered after ${Math.round(reply.ms)} ms`);
    });

    // SIGHUP: a rolling restart under a steady loop of fresh connections, 4 at a time with no gap:
    // a worker that exits without reading a connection the primary just sent it is caught about
    // 2 times in 3 here (1 in 3 with 2 at a time).
    const load = startLoad(app.port, { concurrency: 4, timeoutMs: 5000 });
    const sampler = sampleWorkers(app);
    await sleep(300);
    const hupAt = performance.now();
    app.program.signal('SIGHUP');
    let finished = false;
    while (performance.now() - hupAt < ROLL_MS) {
      const now = app.workers();
      // Done when no worker from before is left (how many there are is for the expectations below).
      if (now.length >= WORKERS && now.every((pid) => !before.has(pid))) {
        finished = true;
        break;
      }
      if (app.program.exit) break;
      await sleep(50);
    }
    const rollMs = Math.round(performance.now() - hupAt);
    await sleep(400); // the new workers serve for a while before the loop stops
    const report = await load.stop();
    const during = sampler.stop();

    await t.expect('the primary survives SIGHUP', 'Handle SIGHUP in the primary: process.on(\'SIGHUP\', …). Without a handler, SIGHUP ends the process.', async () => {
      if (app.program.exit) unmet('the primary still running after SIGHUP', `it exited (code ${app.program.exit.code}, signal ${app.program.exit.signal}). Its last output:\n${app.program.tail()}`);
    });
    if (app.program.exit) return;

    await t.expect(`after SIGHUP every worker is replaced by a new one, within ${ROLL_MS / 1000} s`, 'For each worker that runs now: fork a new one, wait for its \'listening\' event, then worker.disconnect() the old one.', async () => {
      if (!finished) {
        const now = app.workers();
        unmet(`${WORKERS} or more live workers, none of them from before SIGHUP`, `after ${ROLL_MS / 1000} s: ${now.length} live workers (${now.join(', ') || 'none'}), ${now.filter((p) => before.has(p)).length} of them from before`);
      }
    });

    await t.expect('no request fails during the rolling restart', 'Fork the new worker and wait for \'listening\' before you disconnect an old one; worker.disconnect() lets its requests finish.', async () => {
      if (report.ok === 0) unmet('answers during the restart', `none of ${report.sent} requests got an answer`);
      if (report.failed > 0) {
        // Only hung requests: the primary had handed a connection to a worker that then exited
        // without reading it (a worker that closes its server and exits at once; Node's child.js
        // comments on this window). disconnect() waits for the primary's acknowledgement.
        const onlyHung = (report.byReason.TIMEOUT ?? 0) === report.failed;
        unmet(
          `0 failed of ${report.sent} requests (fresh connections, ${rollMs} ms of restart)`,
          `${report.failed} failed: ${describeFailures(report)}`,
          onlyHung
            ? 'A request hung: its connection was on its way to a worker that exited. Let workers leave through worker.disconnect() (from the primary, or cluster.worker.disconnect() in the worker), not server.close() then process.exit().'
            : undefined,
        );
      }
    });

    await t.expect(`at most ${WORKERS + 1} workers at any moment of the restart (one at a time)`, 'Replace them one by one: await each old worker\'s exit before you fork the next new one.', async () => {
      if (during.max > WORKERS + 1) unmet(`at most ${WORKERS + 1} live workers`, `${during.max} live workers at once`);
    });

    const after = await t.expect(`${WORKERS} workers afterwards, all new, and they stay`, 'A worker you disconnect on purpose is not a crash: in cluster.on(\'exit\'), skip the fork when worker.exitedAfterDisconnect is true.', async () => {
      await sleep(600);
      const settled = sampleWorkers(app);
      const answered = await app.waitForPids(WORKERS, 3000);
      await sleep(400);
      const later = settled.stop();
      const now = app.workers();
      const old = [...answered].filter((p) => before.has(p));
      if (later.max !== WORKERS || later.min !== WORKERS || now.length !== WORKERS) {
        unmet(`exactly ${WORKERS} live workers`, `between ${later.min} and ${later.max} live workers over 1 s (now ${now.length}: ${now.join(', ')})`);
      }
      if (old.length > 0) unmet('answers from new pids only', `old pid(s) still answer: ${old.join(', ')}`);
      const churned = [...later.seen].filter((p) => !now.includes(p));
      if (churned.length > 0) unmet('the same workers over 1 s', `workers came and went: ${[...later.seen].join(', ')}`);
      return new Set(now);
    });
    if (!after) return;

    // SIGTERM: a request in flight must complete, and the primary leaves last, with code 0.
    const inFlight: Promise<Reply | Error> = app.get('/slow?ms=1500', 6000).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
    await sleep(400); // the request is now with a worker
    const workersAtTerm = new Set([...after, ...app.workers()]);
    const watch = sampleWorkers(app);
    const termAt = performance.now();
    app.program.signal('SIGTERM');
    const exit = await Promise.race([app.program.exited, sleep(DRAIN_BOUND_MS).then(() => undefined)]);
    const exitMs = Math.round(performance.now() - termAt);
    // Right at the primary's exit: which of its workers still live?
    const watched = watch.stop().seen;
    const leftAtExit = exit ? [...new Set([...workersAtTerm, ...watched])].filter(isAlive) : [];
    const reply = await inFlight;

    await t.expect('a request in flight when SIGTERM arrives still gets its answer', 'On SIGTERM, worker.disconnect() each worker: it stops taking connections and finishes the ones it has.', async () => {
      if (reply instanceof Error) unmet('GET /slow?ms=1500 (sent 0.4 s before SIGTERM) answers 200', reply.message);
      if (reply.status !== 200) unmet('status 200', `status ${reply.status}: ${reply.body.slice(0, 200)}`);
    });

    await t.expect(`the primary exits with code 0 within ${DRAIN_BOUND_MS / 1000} s of SIGTERM`, 'When every worker has exited, process.exit(0) in the primary.', async () => {
      if (!exit) unmet(`an exit within ${DRAIN_BOUND_MS / 1000} s`, `the primary was still running after ${DRAIN_BOUND_MS / 1000} s. Its last output:\n${app.program.tail()}`);
      if (exit.code !== 0) unmet('exit code 0', `${exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`} after ${exitMs} ms`);
    });

    await t.expect('the primary exits only after its last worker is gone, and nothing is left', 'Wait for every worker\'s \'exit\' event (not just disconnect()) before the primary exits.', async () => {
      if (!exit) return;
      if (leftAtExit.length > 0) unmet('no live worker when the primary exits', `worker(s) ${leftAtExit.join(', ')} still ran when the primary exited, ${exitMs} ms after SIGTERM`);
      if (!(await app.program.waitGroupGone(2000))) unmet('no process left', `still running 2 s after the primary exited: ${app.program.members().join(', ')}`);
    });
  },
});
