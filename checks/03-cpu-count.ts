// Lesson 03: the primary forks os.availableParallelism() workers, or WORKERS of them; a WORKERS that
// is not a whole number of at least 1 is refused (a message naming WORKERS, a non-zero exit)
// before anything is forked or serves. Every start is launched up front, so that their cold starts
// overlap. "Forked nothing" is judged from SpawnLog (a preload that records each child process the
// primary starts, synchronously): watching the process table instead races with the orphans, which
// die on their own a moment after a primary that forked and then refused.
import { coresCountHint, defineCheck, describeReply, expectLoopbackOnly, fakeCoresEnv, listeningPorts, pidOf, primaryOwnPorts, sleep, SpawnLog, unmet, type App, type Census } from './lib/index.ts';

/** The cores the copies that use the default see: not the 2 of this course's CI. */
const FAKE_CORES = 3;
/**
 * The cores the WORKERS=3 copy sees: fewer than 3 on any machine, so a count capped at the cores
 * (Math.min(WORKERS, cores)) shows wherever the check runs, not only where the cores are fewer. One,
 * not 2: a cap at twice the cores (a learner probe's) passed with 2.
 */
const CAPPED_CORES = 1;

/**
 * How long a refusal may take: three times what the default start took to answer, at least 5 s. A
 * refusal is a primary's start alone, cheaper than a primary plus a worker, and all of them started
 * at the same moment on the same machine: under heavy load both grow (a fixed 15 s was exceeded
 * once in 20 at a load average of 110). Until the default start answers, the check's own bound.
 */
const REFUSE_AT_LEAST_MS = 5_000;
const BAD_VALUES = ['0', '-2', '1.5', 'abc', '3abc']; // 3abc: parseInt and parseFloat read it as 3
/** After a refusal copy forks: how long to wait for it to exit all the same (then it forked before refusing). */
const REFUSED_AFTER_FORK_MS = 500;
/** … and how long for its workers to refuse WORKERS themselves, while none of them listens. */
const REFUSED_BY_WORKERS_MS = 8000;

/** "runs 3 workers (a, b, c), all of them answered" — or what went wrong, in words. */
function verdict(app: App, want: number, got: Census): string | undefined {
  const { answered, workers } = got;
  if (app.exit) return app.died();
  const silent = workers.filter((pid) => !answered.has(pid));
  const strangers = [...answered].filter((pid) => !workers.includes(pid));
  const ownPorts = primaryOwnPorts(app);
  if (workers.length === want && silent.length === 0 && strangers.length === 0 && ownPorts.length === 0) return undefined;
  const parts = [`the primary (${app.pid}) has ${workers.length} live worker${workers.length === 1 ? '' : 's'}${workers.length ? ` (${workers.join(', ')})` : ''}`];
  parts.push(answered.size === 0 ? 'nothing answered GET /' : `GET / was answered by ${[...answered].join(', ')}`);
  if (got.primaryAnswered) parts.push('the primary answered itself: it must not listen');
  if (ownPorts.length) parts.push(`the primary listens on port ${ownPorts.join(', ')}: it must listen on nothing`);
  if (silent.length) parts.push(`never answered: ${silent.join(', ')}`);
  return parts.join('; ');
}

interface Refusal {
  readonly value: string;
  readonly app: App;
  /** Every child process the primary started. */
  readonly log: SpawnLog;
  /** Set when an answer came from the port while it was meant to refuse. */
  answeredWith?: string;
  /** What it did after its first fork: exited all the same (it forked before refusing), or ran on. */
  afterFork?: 'exited' | 'ran on';
  /** Resolves when the program has exited or the bound has passed. */
  done?: Promise<void>;
}

export default defineCheck({
  timeoutMs: 60_000, // about 5.5 s on a quiet machine; room for a crowded one
  async run(t) {
    // The copies that use the default see FAKE_CORES cores (fake-cores.cjs): on a machine with
    // as many as a count written into the code (2 here in CI), the two would look the same.
    const cores = FAKE_CORES;

    // Launch everything at once: the default and the counted starts, and the starts that must be
    // refused (watched from their first moment: a refusal must come before anything answers).
    const launched = Date.now();
    let refuseWithin = Infinity; // set once the default start has answered
    const refusals: Refusal[] = [];
    for (const value of BAD_VALUES) {
      const log = new SpawnLog();
      t.defer(() => log.remove());
      const refusal: Refusal = { value, log, app: await t.spawnApp({ env: { WORKERS: value, ...log.env } }) };
      // Watch until the verdict is known: it exited, it answered, or it forked.
      refusal.done = (async () => {
        while (!refusal.app.exit && refusal.answeredWith === undefined && log.forks().length === 0 && Date.now() < launched + refuseWithin) {
          try {
            const reply = await refusal.app.get('/', 1000);
            refusal.answeredWith ??= describeReply(reply, 100);
          } catch {
            // Refused or no answer: nothing is serving, as it should be.
          }
          await sleep(50);
        }
        // Watching stopped at the first fork: did it go on to refuse, or did it take the value? (Here,
        // so that the copies wait side by side, not one after another.) It fails either way; the
        // wait only picks the hint, and a primary that forks and then refuses does so in the same turn.
        if (log.forks().length > 0 && !refusal.app.exit) await Promise.race([refusal.app.program.exited, sleep(REFUSED_AFTER_FORK_MS)]);
        // Workers that refuse WORKERS themselves take a start each (seconds when busy) before the
        // primary can hear of it: wait on, up to REFUSED_BY_WORKERS_MS, while none has listened.
        const listening = (): boolean => listeningPorts(refusal.app.program.members()).includes(refusal.app.port);
        for (const until = Date.now() + REFUSED_BY_WORKERS_MS; log.forks().length > 0 && !refusal.app.exit && !listening() && Date.now() < until; ) await sleep(50);
        // Forked, and no worker left or listening: its workers refused (the primary may run on).
        const refusedByWorkers = !refusal.app.exit && !listening() && refusal.app.workers().length === 0;
        if (log.forks().length > 0) refusal.afterFork = refusal.app.exit || refusedByWorkers ? 'exited' : 'ran on';
        // Judged: a copy that forked or serves is ended now, not left starting its workers beside
        // the copies still being judged (five of them made a wrong program's starts 1.5 s slower).
        if (!refusal.app.exit && (refusal.afterFork !== undefined || refusal.answeredWith !== undefined)) refusal.app.program.signalGroup('SIGKILL');
      })();
      refusals.push(refusal);
    }
    const counted = await Promise.all(
      [
        { label: 'empty', env: { WORKERS: '', ...fakeCoresEnv(cores) }, want: cores },
        { label: '3', env: { WORKERS: '3', ...fakeCoresEnv(CAPPED_CORES) }, want: 3, sees: CAPPED_CORES },
        // More cores than WORKERS: a count raised to the cores (Math.max) shows.
        { label: '1', env: { WORKERS: '1', ...fakeCoresEnv(cores) }, want: 1, sees: cores },
      ].map(async (run) => ({ ...run, app: await t.spawnApp({ env: run.env }) })),
    );

    const app = await t.start({ env: { WORKERS: undefined, ...fakeCoresEnv(cores) }, name: 'server.ts starts with WORKERS unset and answers GET / on PORT', readyMs: 20_000 });
    refuseWithin = Math.max(REFUSE_AT_LEAST_MS, 3 * (Date.now() - launched));
    // Each census of a copy starts now, side by side: a count that is wrong waits a while for more
    // workers before it is judged, and those waits one after another made a wrong program's verdict
    // several seconds slower than a right one's.
    const censused = counted.map((run) => ({ ...run, census: run.app.census({ want: run.want, deadlineMs: 15_000 }) }));
    for (const run of censused) run.census.catch(() => undefined); // awaited in its expectation, unless the run ends first

    /** The WORKERS-unset copy failed its count: the same fault most likely fails the other copies too. */
    let unsetWrong = false;
    await t.expect(
      `with WORKERS unset it runs one worker per core (${cores}: the check makes this copy see ${cores} cores), and all of them answer`,
      'Fork os.availableParallelism() workers when WORKERS is unset, each listening on PORT; the primary listens on nothing. A number written into the code shows here.',
      async () => {
        const census = await app.census({ want: cores, deadlineMs: 10_000 });
        const wrong = verdict(app, cores, census);
        unsetWrong = wrong !== undefined;
        // The right count, but not one answer carried a worker's pid: the count is fine, the field is not.
        const strangers = [...census.answered].filter((pid) => !census.workers.includes(pid) && pid !== app.pid);
        const wrongPid = census.workers.length === cores && strangers.length > 0 && strangers.length === census.answered.size;
        if (wrong) {
          unmet(
            `${cores} live workers (os.availableParallelism() in this copy), each answering GET / with its own pid`,
            wrong,
            wrongPid
              ? `The count is right, but no answer carried a worker's pid (${strangers.join(', ')} are none of theirs): answer GET / with res.json({ pid: process.pid }), the worker's process id (cluster.worker.id is its number in the cluster).`
              : census.workers.length === cores - 1 && !census.primaryAnswered
                ? `One per core, not cores − 1: the primary needs no core of its own (it only hands out connections), so fork os.availableParallelism() workers, ${cores} in this copy.`
                : undefined,
          );
        }
      },
    );

    await expectLoopbackOnly(t, app);

    await t.expect('GET /work?n=25 answers JSON with the pid of a worker, as in lesson 02', "Keep lesson 02's /work route in the workers: res.json({ pid: process.pid, n, result: fib(n) }).", async () => {
      const reply = await app.getComputed('/work?n=25', 10_000);
      const pid = pidOf(reply);
      const workers = app.workers();
      if (reply.status !== 200 || pid === undefined || !workers.includes(pid)) {
        unmet(`status 200 and JSON whose "pid" is one of the workers' (${workers.join(', ')})`, describeReply(reply));
      }
    });

    for (const run of censused) {
      const name =
        run.label === 'empty'
          ? `with WORKERS empty it runs the default ${cores} workers as well`
          : `with WORKERS=${run.label} it runs ${run.want} live worker${run.want === 1 ? '' : 's'}, and ${run.want === 1 ? 'it answers' : 'all of them answer'}${run.sees !== undefined ? ` (this copy sees ${run.sees} core${run.sees === 1 ? '' : 's'})` : ''}`;
      const hint =
        run.label === 'empty'
          ? 'An empty WORKERS means "not set": use the default. Number("") is 0, so test for the empty string first.'
          : 'Read process.env.WORKERS in the primary, turn it into a number, and fork that many workers.';
      await t.expect(name, hint, async () => {
        const census = await run.census;
        const wrong = verdict(run.app, run.want, census);
        // Only the copies made to see another number of cores than their WORKERS: the empty one's
        // count is the cores' (a learner's cores − 1 there was told about Math.min).
        const fromCores = run.sees !== undefined ? coresCountHint(run.sees, census.workers.length, run.want) : undefined;
        // Its own hint names what only this value gets wrong: after a failed unset copy, the fault
        // seen there first (a fresh learner's extra fork, or a listening primary, got "Number('') is 0").
        if (wrong) unmet(`${run.want} live worker${run.want === 1 ? '' : 's'}, each answering GET / with its own pid`, wrong, unsetWrong ? `The copy with WORKERS unset failed too (the ✗ above): fix what it shows first, then look here again. If only this one still fails: ${fromCores ?? hint}` : fromCores);
      });
    }

    for (const refusal of refusals) {
      await t.expect(
        `WORKERS=${refusal.value} is refused: a message naming WORKERS, a non-zero exit, nothing forked or served`,
        'Check WORKERS before forking: if Number(WORKERS) is not a whole number of at least 1, console.error a message that names WORKERS and process.exit(1).',
        async () => {
          await refusal.done;
          const refused = refusal.app;
          const within = Math.round(refuseWithin / 1000);
          const expected = `the program prints a message naming WORKERS and exits with a non-zero code within ${within} s, without forking a worker or answering any request`;
          const forks = refusal.log.forks();
          if (forks.length > 0) {
            const after = refusal.afterFork ?? (refused.exit ? 'exited' : 'ran on'); // forked only after the watch ended
            const pids = forks.map((f) => f.pid ?? '?').join(', ');
            unmet(
              expected,
              `the primary forked ${forks.length} process${forks.length === 1 ? '' : 'es'} (${pids})${after === 'exited' ? ` before it ${refused.exitText()}` : ', and went on running'}` +
                (refused.program.output.includes('EPIPE') ? '; left without a primary, they died with "Error: write EPIPE"' : ''),
              after === 'exited'
                ? 'Decide the count, and refuse a bad WORKERS, in the primary before the first cluster.fork(): a refused start forks nothing (a worker that refuses it has already been forked).'
                : `WORKERS=${refusal.value} was taken as a count. Refuse it instead (not rounded, not the default): Number(WORKERS) must be a whole number of at least 1 (Number.isInteger(n) && n >= 1); else console.error why and process.exit(1).`,
            );
          }
          if (refusal.answeredWith) unmet(expected, `it answered GET / (${refusal.answeredWith})`);
          if (!refused.exit) {
            const workers = refused.workers();
            unmet(expected, `it was still running after ${within} s, with ${workers.length} worker${workers.length === 1 ? '' : 's'}. Its last output:\n${refused.program.tail()}`);
          }
          if (refused.exit.code === 0) unmet(expected, `it exited with code 0, which tells a script that all went well. Its last output:\n${refused.program.tail()}`);
          if (!refused.program.output.includes('WORKERS')) unmet(expected, `it ${refused.exitText()}, but its output does not mention WORKERS:\n${refused.program.tail()}`);
        },
      );
    }
  },
});

