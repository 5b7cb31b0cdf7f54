// Lesson 04: the primary replaces a worker that dies — crashed by GET /crash, killed with SIGKILL —
// while the other one keeps serving; on SIGTERM it lets its workers go and exits 0; it refuses an
// invalid WORKERS; and with CRASH_ON_START=1 (a bad deploy) it waits longer before each new try,
// gives up after 5, and a SIGTERM between two tries ends it. The bad-deploy and refusal programs
// run beside the serving one: they mostly wait, and a learner waits for the verdict.
import { existsSync, readFileSync } from 'node:fs';
import { coresCountHint, expectLoopbackOnly, defineCheck, fakeCoresEnv, withPreloads, describeReply, idle, loopState, procStat, procState, describeExit, describeFailures, schedTimes, type CheckContext, Fatal, isAlive, isToolchainHelper, listProcesses, ClusterLog, HeldRequest, pauseOnlineEnv, pidOf, sendSignal, sleep, SpawnLog, startLoad, unmet, type App, type Program } from './lib/index.ts';

/** The worker the check kills has been answering at least this long: a stable one (the contract's 1 s, plus room). */
const STABLE_MS = 1200;
/** A replacement starts a new process (node + tsx): about 0.5 s on an idle machine, 16 s seen on a very busy one. */
const REPLACE_MS = 30_000;
const WORKERS = 2;
/** The cores the main copy sees: fewer than WORKERS. */
const SEEN_CORES = 1;
/** A death logged with its cause and without the pid. */
const NO_PID_HINT = "Your log names the cause but not the worker's pid: log worker.process.pid (worker.id is cluster's own count, 1, 2, 3…, not a pid).";
/** The contract: after 5 unstable deaths in a row the primary forks no more. */
const MAX_UNSTABLE = 5;
/**
 * The crash loop runs with this many workers: four die at once, so the primary meets its unstable
 * deaths in one round of process starts (each start costs 0.1–1 s of CPU: Node 24, tsx on 20); the
 * check holds the other two (HOLD_ONLINE).
 */
const CRASH_WORKERS = MAX_UNSTABLE + 1;
// A new try after each of the first MAX_UNSTABLE − 1 deaths, none after the last: a primary past
// this many forks runs away, and the check stops it.
const MAX_FORKS = CRASH_WORKERS + MAX_UNSTABLE - 1;
/**
 * In that crash loop every worker is paused this long once its primary hears it is 'online' (as a
 * busy machine pauses one still loading), so it dies over the contract's 1 s after 'online': a
 * guard that measures "soon" from 'online' counts it stable and forks on. Without the pause such a
 * guard passed whenever the machine loaded a worker in under 1 s (2 runs of 7, a learner's program).
 */
const PAUSE_ONLINE_MS = 1200;
/**
 * The crash loop's held workers: the first two to come online and every try (from the seventh).
 * The other four originals crash, and in the turn the primary takes in the fourth death the first
 * held one is killed: the fifth death comes while the tries scheduled for the others still wait
 * (a try that forks after the give-up shows), and the second is alive when the primary gives up.
 */
const HOLD_ONLINE = { online: [1, 2], from: CRASH_WORKERS + 1, endAtExit: MAX_UNSTABLE - 1 } as const;
/**
 * Held workers are ended once no other worker runs and the primary sleeps with no timer due, or
 * (where /proc cannot tell) nothing forked or died for this long: longer than the back-offs of
 * the README (100–400 ms, or doubling to 800).
 */
const HOLD_QUIET_MS = 2500;
/**
 * The WORKERS=1 crash loop gets SIGTERM after this many deaths, in the wait before the next try:
 * the fourth, so that three waits before it are seen whole (from death to fork) and the growth is
 * judged on them, not on the one SIGTERM cuts short. A right primary still has a try to come then.
 */
const TERM_AFTER = 4;
/** A primary that forks again at once after this many deaths in a row never waits: the check stops it. */
const NEVER_WAITS_AFTER = 3;
/** The check looks at the crash loop every few ms; a longer gap and it has not seen that wait whole. */
const LOOK_GAP_MS = 15;
/** A timer the primary slept on agrees with the wait seen whole when within this of it (then it is the more exact). */
const AGREE_MS = 30;
/** Waiting for a core longer than this during one wait makes it a crowded one (Wait.queued). */
const QUEUED_MS = 20;
/** Copies of that crash loop are started until one gives a certain moment, for at most this long. */
const TRIES_MS = 40_000;
/** The contract: each wait at least 100 ms longer than the one two tries before (a growth a busy machine can't hide); judged with half as room for what the check can't see exactly. */
const GROWTH_MS = 100;
const GROWTH_SEEN_MS = GROWTH_MS / 2;
/**
 * … and with 15 ms of room where both waits are exact (exactOf: the timer the primary slept on is
 * the wait it asked for, read 0–1 ms short). 50 ms of room let 30 * n (+60 ms) and 10 * 2^n (20,
 * 40, 80) pass, and 25 ms let 40 * n (+80 ms) pass (learner probes', every run on both Nodes).
 */
const GROWTH_EXACT_MS = GROWTH_MS - 15;
/**
 * On SIGTERM the busy worker's request is held while the primary sleeps on a timer due soon, for up
 * to this long after SIGTERM: a primary that exits at a deadline of its own (2 s, "in case a worker
 * hangs") while that worker still answers shows. A primary with no timer is let go at once.
 */
const DEADLINE_HOLD_MS = 6000;
/** A timer further off than this is none the check waits for: the primary sleeps for good (idleForGood), or on no deadline of its own (timerDueSoon). */
const FAR_TIMER_MS = 5000;
/**
 * Unstable deaths before the stable one in the reset test. A primary that never resets then gives
 * up after MAX_UNSTABLE − 3 = 2 more, and one that gives up at 3 or fewer does so before the
 * stable one: a stop after 4 more is only "gives up at 4", a stop sooner only "never resets".
 */
const RESET_BEFORE = 3;
/**
 * After the stable death, one worker is killed this long after the primary took in its
 * 'listening': unstable by the contract's 1 s, and stable to a guard that counts from 100 ms or
 * 500 ms (fresh learners'). The primary's own clock is read back (cluster-log.cjs): if it took in
 * the death SHORT_SURE_MS or more after the 'listening', the copy proves nothing and another runs.
 */
const SHORT_MS = 600;
const SHORT_SURE_MS = 950;
/** The short one is held stopped this long right after its fork (see killShort). */
const FORK_HOLD_MS = 450;
/** Values of WORKERS lesson 03 refuses: each must end the primary with a non-zero code, nothing forked. */
const INVALID = ['0', 'abc'];
/** The steady loop around the kill: 4 requests at a time, each on a fresh connection. */
const LANES = 4;
const MAX_FAILED = 2 * LANES;

const primaryDied = (app: App): Fatal =>
  new Fatal(`the primary ${app.exitText()} after a worker died. Its last output:`, app.program.tail(), "The primary must outlive its workers: don't exit (or throw) in cluster.on('exit'); fork a replacement there instead.");

const untilMark = (mark: number): Promise<void> => sleep(mark - performance.now());

/**
 * Wait until one new worker (a pid not in `before`) runs beside the survivors and answers GET /.
 * Returns the new pid and how long it took; fails when the primary forks none, or too many.
 */
async function replacement(app: App, before: readonly number[], since: number): Promise<{ pid: number; ms: number; forkMs: number }> {
  const deadline = performance.now() + REPLACE_MS;
  let fresh: number[] = [];
  let forkMs: number | undefined; // how long this program takes to fork a replacement
  let idleSince: number | undefined;
  for (;;) {
    if (app.exit) throw primaryDied(app);
    fresh = app.newWorkers(before);
    // The dead worker reaped, no new one, and the primary sleeps with nothing scheduled: it will
    // fork none (a wrong program's verdict need not wait the 30 s a busy machine may need).
    const dead = before.filter((pid) => !app.workers().includes(pid));
    if (fresh.length === 0 && dead.length > 0 && dead.every(reaped) && idleForGood(app.pid)) idleSince ??= performance.now();
    else idleSince = undefined;
    const givenUp = idleSince !== undefined && performance.now() - idleSince > 500;
    if (fresh.length > 0) {
      forkMs ??= Math.round(performance.now() - since);
      const pid = (await app.pidRound(4)).pids.find((p) => fresh.includes(p));
      if (pid !== undefined) {
        const workers = app.workers();
        if (workers.length !== WORKERS) {
          unmet(`${WORKERS} workers (WORKERS=${WORKERS}), one of them new`, `${workers.length} workers: ${workers.join(', ')}`, 'Fork exactly one replacement for each worker that dies.');
        }
        return { pid, ms: Math.round(performance.now() - since), forkMs };
      }
    }
    if (performance.now() >= deadline || givenUp) {
      unmet(
        `a new worker that answers GET / within ${REPLACE_MS / 1000} s`,
        fresh.length === 0 ? `no new worker was forked${givenUp ? ', and the primary sleeps with nothing scheduled' : ''}; the primary's workers: ${app.workers().join(', ') || 'none'}` : `new worker ${fresh.join(', ')} was forked but never answered GET /`,
      );
    }
    await sleep(40);
  }
}

/** Reaped by its parent: no longer even a zombie. The primary's 'exit' event has fired by then. */
const reaped = (pid: number): boolean => (existsSync('/proc/self') ? !existsSync(`/proc/${pid}`) : !isAlive(pid));

/**
 * Half a request on its own connection: the worker that took it cannot finish server.close()
 * until the check lets go, so on SIGTERM its exit comes apart from the others' (a program that
 * replaces planned exits from a timer is caught only then). Returns the request and, on Linux, the
 * worker that holds it once that worker has read the bytes.
 */
async function holdOneWorker(app: App): Promise<{ request: HeldRequest; worker: number | undefined }> {
  const request = new HeldRequest(app.port);
  await Promise.race([request.connected, sleep(3000)]);
  const deadline = performance.now() + 5000;
  while (existsSync('/proc/net/tcp') && performance.now() < deadline) {
    const worker = request.holder(app.workers());
    if (worker !== undefined) return { request, worker };
    await sleep(20);
  }
  return { request, worker: undefined };
}

/** One death in the WORKERS=1 crash loop, and the wait until the primary's next try. */
interface Wait {
  /** From the death (the primary has reaped the worker) to the next fork, as the check saw it; undefined when it looked away meanwhile. */
  readonly ms: number | undefined;
  /**
   * The longest timer the primary slept on meanwhile (libuv's epoll timeout). It is the nearest
   * of all its timers: another one, shorter or longer than the back-off, can stand in its place.
   */
  readonly timerMs: number | undefined;
  /** Cut short by the check's SIGTERM: only the timer was read. */
  readonly cut?: true;
  /**
   * The wait after a death the check held the primary stopped for (SIGSTOP until the worker was
   * dead): it reads short, cut short or not (238 of 400 ms seen whole, 119 to 170 ms cut short).
   */
  readonly paused?: true;
  /** The most it can have lasted: from the check's look before the death to the fork it saw. */
  readonly boundMs: number;
  /**
   * The primary waited for a core meanwhile (the kernel's count, /proc/PID/schedstat) for more than
   * QUEUED_MS: then it forked late, or its timer started from a loop time already old, and the wait
   * seen is not the one it asked for.
   */
  readonly queued?: true;
}

interface Tries {
  readonly program: Program;
  /** The waits between a death and the next fork, in order (the one cut short by SIGTERM last). */
  readonly waits: Wait[];
  readonly deaths: number;
  readonly forks: number;
  /** SIGTERM sent while no worker was alive and a try was due only later (proven, see watchTries). */
  readonly term?: { readonly forked: number[]; readonly ms: number; readonly after: number };
  /** Why the watch ended without that SIGTERM. */
  readonly ended: 'term' | 'exited' | 'too many forks' | 'never waits' | 'deadline';
}

/**
 * With WORKERS=1 and CRASH_ON_START=1 every worker dies at once, and the primary waits before each
 * new try: then it has no worker and sleeps on a timer (its event loop's next timer is epoll's
 * timeout, event-loop.ts). The check records each wait, and after the TERM_AFTER-th death sends
 * SIGTERM in that moment, made certain rather than hoped for:
 * - it acts only once the dead worker is reaped (the primary's 'exit' handler has run and
 *   scheduled its next try) and the primary sleeps with `timerMs` left to its next timer;
 * - it stops the primary (SIGSTOP), sees no child at all (no fork slipped in), sends SIGTERM and
 *   SIGCONT. libuv then reads the signal before it runs a timer if the timer is not due yet:
 *   the timer was set after the worker died, so it is due no sooner than `lastAlive + timerMs`,
 *   and the check acts only while more than half of that is left (room for the primary to wake).
 * When the moment can't be made (the machine kept the check from looking in time) the next death
 * gives another chance; only a program that never waits has none (judged as a ✗).
 */
async function watchTries(t: CheckContext): Promise<Tries> {
  // Every fork, recorded from inside the primary: a worker that lives 0.1 s can die unseen between
  // two looks on a busy machine (a right program that gave up after 5 deaths was seen to die 3 times).
  const log = new SpawnLog();
  t.defer(() => log.remove());
  const app = await t.spawnApp({ env: { WORKERS: '1', CRASH_ON_START: '1', ...log.env } });
  const program = app.program;
  const started = performance.now();
  // Zombies too: a worker is dead for the primary only once it has reaped it (its 'exit' has run).
  const present = (): number[] => app.workers({ zombies: true });
  const forks = new Set<number>();
  const waits: Wait[] = [];
  let prev: number[] = [];
  let deaths = 0;
  let deathAt: number | undefined; // the last death seen reaped, no new try yet
  let timerMs: number | undefined;
  let lastAlive = 0; // the last time the check saw a worker alive (not yet a zombie)
  let lastLook = performance.now();
  let blind = false; // the check looked away (a gap between two looks) since the last death
  // The primary's time spent waiting for a core: as of the look before the last death, and now.
  let queuedBefore: number | undefined;
  let queuedAtDeath: number | undefined;
  let deathSince = 0; // the check's look before it saw the last death: the death came after it
  let deathPaused = false;
  const paused = new Set<number>(); // workers whose death the primary met only once the check let it go on
  const done = async (ended: Tries['ended']): Promise<Tries> => {
    if (!program.exit) await program.stop(200);
    // Once it has exited, every worker it forked has died (CRASH_ON_START), seen or not.
    return { program, waits, deaths: ended === 'exited' ? Math.max(deaths, log.forks().length) : deaths, forks: forks.size, ended };
  };
  for (;;) {
    if (program.exit) return done('exited');
    if (performance.now() - started > 60_000) return done('deadline');
    const now = performance.now();
    const gap = now - lastLook > LOOK_GAP_MS;
    const lookBefore = lastLook;
    lastLook = now;
    // Read before the children: a death seen in this look happened after the previous reading.
    const queuedNow = schedTimes(program.pid)?.waitMs;
    // A child missed by one read of /proc's list (it can skip entries while it changes) is not
    // dead: a worker dies when it is gone from /proc (reaped), its pid with it.
    const read = present();
    const kids = [...read, ...prev.filter((pid) => !read.includes(pid) && parentOf(pid) === program.pid)];
    if (gap) blind = true;
    for (const pid of prev) {
      if (!kids.includes(pid)) {
        deaths++;
        deathAt = now;
        deathSince = lookBefore;
        deathPaused = paused.has(pid);
        queuedAtDeath = queuedBefore;
        timerMs = undefined;
        blind = gap;
      }
    }
    for (const pid of kids) {
      if (forks.has(pid)) continue;
      forks.add(pid);
      if (deathAt !== undefined) {
        const queued = queuedNow === undefined || queuedAtDeath === undefined ? false : queuedNow - queuedAtDeath > QUEUED_MS;
        waits.push({
          ms: blind ? undefined : Math.round(now - deathAt),
          timerMs,
          boundMs: Math.round(now - deathSince),
          ...(queued ? { queued: true as const } : {}),
          ...(deathPaused ? { paused: true as const } : {}),
        });
      }
      deathAt = undefined;
    }
    prev = kids;
    queuedBefore = queuedNow;
    if (forks.size > MAX_UNSTABLE + 1) return done('too many forks'); // a fork bomb: stop it now
    // Three times a new try at once, seen plainly: both expectations are settled, and more tries only burn CPU.
    if (neverWaits(waits)) return done('never waits');
    const alive = kids.filter((pid) => procState(pid) !== 'Z');
    if (alive.length > 0) lastAlive = now;
    // The worker whose death opens the wait for SIGTERM: stop the primary until it has died, so its
    // 'exit' (and the timer it sets) runs no sooner than SIGCONT, a moment the check knows exactly,
    // however late a busy machine lets it look afterwards.
    const first = alive[0];
    if (first !== undefined && !paused.has(first) && deaths + 1 >= TERM_AFTER && judgeable(waits, deaths + 1)) {
      paused.add(first);
      try {
        program.signal('SIGSTOP');
        for (const until = performance.now() + 5000; performance.now() < until && present().some((pid) => procState(pid) !== 'Z'); ) await sleep(2);
      } catch {
        // It exited.
      } finally {
        try {
          program.signal('SIGCONT');
        } catch {
          // Gone.
        }
      }
      lastAlive = performance.now();
      lastLook = lastAlive;
      continue;
    }
    if (kids.length > 0 || deathAt === undefined) {
      await sleep(1);
      continue;
    }
    // No worker, not even a zombie: the primary has seen the death and waits (or gives up).
    const state = loopState(program.pid);
    const timer = state?.asleep ? state.timerMs : undefined;
    if (timer !== undefined && timer > 0) timerMs = Math.max(timerMs ?? 0, timer);
    const noProc = state === undefined && !existsSync('/proc/self'); // macOS: act at first sight, unproven
    // SIGTERM in this wait once the growth can be judged without it, or with it and the wait two tries back.
    if (deaths >= TERM_AFTER && judgeable(waits, deaths) && ((timer !== undefined && timer > 0 && now - lastAlive < timer / 2) || noProc)) {
      const term = await termNow(program, present, () => (timer === undefined ? true : performance.now() - lastAlive < timer / 2));
      if (term) {
        const termAt = performance.now();
        waits.push({ ms: undefined, timerMs, boundMs: Infinity, cut: true, ...(deathPaused ? { paused: true as const } : {}) }); // the timer says how long it would have been
        const forked = new Set<number>();
        let idleSince: number | undefined;
        while (!program.exit && performance.now() - termAt < 5000) {
          for (const pid of present()) forked.add(pid);
          if (forked.size > 0) break;
          // Asleep with no timer due and no worker: nothing will ever make it exit.
          const after = loopState(program.pid);
          if (after?.asleep && (after.timerMs === -1 || (after.timerMs ?? 0) > FAR_TIMER_MS)) idleSince ??= performance.now();
          else idleSince = undefined;
          if (idleSince !== undefined && performance.now() - idleSince > 400) break;
          await sleep(10);
        }
        const ms = Math.round(performance.now() - termAt);
        if (!program.exit) await program.stop(200);
        return { program, waits, deaths, forks: forks.size, ended: 'term', term: { forked: [...forked], ms, after: deaths } };
      }
    }
    await sleep(1);
  }
}

/**
 * Stop the primary, and if it has no child at all and `stillInTime()` holds, send it SIGTERM; then
 * let it go on. True when SIGTERM was sent.
 */
async function termNow(program: Program, present: () => number[], stillInTime: () => boolean): Promise<boolean> {
  let sent = false;
  try {
    program.signal('SIGSTOP');
    for (const deadline = performance.now() + 500; procState(program.pid) !== 'T' && performance.now() < deadline; ) await sleep(0);
    const none = procState(program.pid) === 'T' && present().length === 0 && listProcesses().every((p) => p.ppid !== program.pid || isToolchainHelper(p.pid));
    if (none && stillInTime()) {
      program.signal('SIGTERM');
      sent = true;
    }
  } catch {
    // It exited meanwhile.
  } finally {
    try {
      program.signal('SIGCONT');
    } catch {
      // Gone.
    }
  }
  return sent;
}

/** A line of the program's output that names `pid` and matches `why`. */
const logLine = (pid: number, why: string): RegExp => new RegExp(`^(?=.*\\b${pid}\\b)(?=.*(?:${why})).*$`, 'mi');
/** How a log line names an exit code ("code 1", "exit code: 1", "exited 1", "status 1"), the number left to follow. */
const CODE_WORD = '(?:code|exit\\w*|status)\\W*';
/** Whether `text` names `pid` as a whole number. */
const namesPid = (text: string, pid: number): boolean => new RegExp(`\\b${pid}\\b`).test(text);

interface CrashLoop {
  readonly forks: number;
  /** The workers it forked, as the check saw them. */
  readonly workers: readonly number[];
  readonly exit: Program['exit'];
  /** Why the watch ended. */
  readonly ended: 'exited' | 'too many forks' | 'idle' | 'deadline';
  readonly ms: number;
  readonly program: Program;
}

/**
 * The wait the primary set. Seen whole (death to fork), that is the wait, and the timer it slept on
 * only makes it exact when the two agree: the nearest timer may be another one (CI read a right
 * primary's first wait as 6686 ms, and as 6063 ms crowded: a longer timer slept on before its 'exit'
 * ran). When the primary waited for a core meanwhile, it forked late: a shorter timer is the better
 * guess. Cut short by SIGTERM, the timer is all there is.
 */
const waitOf = (w: Wait | undefined): number | undefined => {
  // A timer longer than the wait can have lasted is another one.
  if (w?.ms === undefined) return w?.timerMs !== undefined && w.timerMs <= w.boundMs + AGREE_MS ? w.timerMs : undefined;
  // Crowded, the primary forked late: a shorter timer is the better guess; a longer one is another timer.
  if (w.timerMs !== undefined && (Math.abs(w.timerMs - w.ms) <= AGREE_MS || (w.queued && w.timerMs < w.ms))) return w.timerMs;
  return w.ms;
};

/**
 * How far a wait's value can be trusted: 3 seen whole (death to fork) with the primary never kept
 * from a core; 2 only its timer read (the check looked away); 1 crowded (the primary waited for a
 * core: its timer read); 0 cut short by SIGTERM, or paused (Wait.paused). The last two read short
 * under load: 224 of a 400 ms back-off crowded; 238 of 400 paused; 119, 132, 143 and 170 of 300 or
 * 400 cut short, beside 100, 200, 300 read right in the same runs (a crowded 300 among them).
 */
/**
 * The timer the primary slept on is the wait it asked for: not crowded, paused or cut short, and
 * seen whole and agreeing with it, or (the check looked away) within AGREE_MS of the most the wait
 * can have lasted.
 */
const exactOf = (w: Wait): boolean => {
  if (w.timerMs === undefined || w.queued || w.cut || w.paused) return false;
  // Not seen whole (the check looked away), the timer read is still the wait asked for: libuv
  // sleeps until the timer is due from the loop's cached time, so the first sleep after
  // setTimeout(fork, d) reads d (40, 80, 120 read to the ms at a load of 30), and the check keeps
  // the largest read. Only a timer longer than the wait can have lasted is another one.
  return w.ms !== undefined ? Math.abs(w.timerMs - w.ms) <= AGREE_MS : w.timerMs <= w.boundMs + AGREE_MS;
};

const trustOf = (w: Wait): number => (w.cut || w.paused ? 0 : w.queued ? 1 : w.ms !== undefined ? 3 : 2);

/** A wait and the one two tries before it, both measured. */
interface GrowthPair {
  readonly first: number;
  readonly later: number;
  /** Both are the timers the primary asked for (exactOf). */
  readonly exact: boolean;
  /** The try the later wait came before. */
  readonly at: number;
  /** The less trusted of its two waits first, then the other: 4 × min + max (0 to 15, see trustOf). */
  readonly trust: number;
}

function growthPair(waits: readonly Wait[]): GrowthPair | undefined {
  const pairs = waits.flatMap((w, j) => {
    const before = waits[j - 2];
    const later = waitOf(w);
    const first = waitOf(before);
    if (!before || later === undefined || first === undefined) return [];
    const [a, b] = [trustOf(w), trustOf(before)];
    const trust = 4 * Math.min(a, b) + Math.max(a, b);
    return [{ first, later, exact: exactOf(w) && exactOf(before), at: j + 1, trust } satisfies GrowthPair];
  });
  return bestPair(pairs);
}

/**
 * A pair that decides the growth line: exact, or clear of the band where the two rooms disagree
 * (a growth read between 50 and 85 ms from waits a busy machine blurred may be a right 100).
 */
const decides = (p: GrowthPair): boolean => p.exact || p.later - p.first >= GROWTH_EXACT_MS || p.later - p.first < GROWTH_SEEN_MS;

/** How far a pair can be taken as the verdict: one that decides first, then by trust (0 to 15). */
const rankOf = (p: GrowthPair): number => (decides(p) ? 16 : 0) + p.trust;

/** The pair to judge by (rankOf), the latest of the best. */
const bestPair = (pairs: readonly GrowthPair[]): GrowthPair | undefined => pairs.reduce<GrowthPair | undefined>((best, p) => (!best || rankOf(p) >= rankOf(best) ? p : best), undefined);

/** SIGTERM in the wait after `deaths` deaths leaves the growth judgeable: a pair measured already, or a wait two tries before that one. */
const judgeable = (waits: readonly Wait[], deaths: number): boolean =>
  growthPair(waits) !== undefined || waitOf(waits[deaths - 3]) !== undefined;

/**
 * Gave up before the check's SIGTERM after the TERM_AFTER-th death could come: fewer deaths, or it
 * exited by itself by then. No other copy will give that moment (a learner probe's took six copies,
 * 44 to 109 s, to say so).
 */
const gaveUpEarly = (r: Tries): boolean => r.deaths < TERM_AFTER || (r.ended === 'exited' && r.deaths <= TERM_AFTER);

const ordinal = (n: number): string => ['first', 'second', 'third', 'fourth', 'fifth'][n - 1] ?? `${n}th`;

/** Seen plainly (the check looking all along): a new try within a few ms of each death, three times, no timer. */
const neverWaits = (waits: readonly Wait[]): boolean => waits.filter((w) => w.timerMs === undefined && w.ms !== undefined && w.ms < GROWTH_SEEN_MS).length >= NEVER_WAITS_AFTER;

/**
 * The primary sleeps with no timer due (none, or one more than 5 s away) and none of its threads
 * works: nothing it runs will fork or exit soon. Its main thread alone is not enough: on Node 20
 * tsx's loader thread still loads the program while the main thread waits in epoll with no timer.
 */
const idleForGood = (pid: number): boolean => {
  const state = loopState(pid);
  return state?.asleep === true && (state.timerMs === -1 || (state.timerMs ?? 0) > FAR_TIMER_MS) && idle(pid) === true;
};

/** The primary sleeps on a timer due within 5 s (one further off, or none, is idleForGood's). */
const timerDueSoon = (pid: number): boolean => {
  const state = loopState(pid);
  return state?.asleep === true && state.timerMs !== undefined && state.timerMs >= 0 && state.timerMs <= FAR_TIMER_MS;
};

/**
 * Watch a CRASH_ON_START program: count the workers it forks, stop it at once if that runs away.
 * The preload holds some workers paused (HOLD_ONLINE; `log.held()` names them) and kills the
 * first in the turn of the fourth death; the check ends the rest (SIGKILL) once no other worker is
 * alive and the primary has nothing scheduled (or has forked nothing for HOLD_QUIET_MS). So the
 * fifth death comes while tries still wait, any fork after it comes before a sixth death, and a
 * worker is still starting when the primary gives up: its exit after the last one is judged.
 */
async function watchCrashLoop(program: Program, log: ClusterLog): Promise<CrashLoop> {
  const started = performance.now();
  const isWorker = new Map<number, boolean>(); // tsx's esbuild helper is a child too: not a worker
  let lastAlive = started;
  let idleSince: number | undefined;
  const endedHeld = new Set<number>();
  let settledSince: number | undefined;
  let lastChange = started; // of the forks seen or the workers alive
  let lastSeen = '';
  const done = async (ended: CrashLoop['ended']): Promise<CrashLoop> => {
    if (ended !== 'exited') await program.stop(200); // a fork bomb must not burn the CPU any longer
    const workers = [...isWorker].filter(([, worker]) => worker).map(([pid]) => pid);
    return { forks: workers.length, workers, exit: program.exit, ended, ms: Math.round(performance.now() - started), program };
  };
  for (;;) {
    const children = program.children();
    for (const pid of children) {
      if (procStat(pid)?.forkedOnly === true) continue; // not yet what it will be: a worker, or tsx's esbuild
      if (isToolchainHelper(pid)) isWorker.set(pid, false);
      else if (!isWorker.has(pid)) isWorker.set(pid, true);
    }
    const alive = children.some((pid) => isWorker.get(pid));
    if (alive) lastAlive = performance.now();
    if (program.exit) return done('exited');
    const held = log.held();
    const running = children.filter((pid) => isWorker.get(pid) && (!held.includes(pid) || endedHeld.has(pid)));
    const waiting = held.filter((pid) => !endedHeld.has(pid) && children.includes(pid));
    const seen = `${isWorker.size} ${running.join(',')}`;
    if (seen !== lastSeen) [lastSeen, lastChange] = [seen, performance.now()];
    const settled = waiting.length > 0 && running.length === 0;
    if (settled && idleForGood(program.pid)) settledSince ??= performance.now();
    else settledSince = undefined;
    if ((settledSince !== undefined && performance.now() - settledSince > 200) || (settled && performance.now() - lastChange > HOLD_QUIET_MS)) {
      for (const pid of waiting) {
        endedHeld.add(pid);
        try {
          // Ended, not let go: it never loaded, so its death is as unstable as a crash at start,
          // and the primary need not wait for a cold start to see it.
          sendSignal(pid, 'SIGKILL');
        } catch {
          // Gone meanwhile.
        }
      }
    }
    if ([...isWorker.values()].filter(Boolean).length > MAX_FORKS) return done('too many forks');
    const forked = [...isWorker.values()].some(Boolean);
    // No worker and nothing scheduled, for a while: it will neither fork again nor exit.
    if (forked && !alive && idleForGood(program.pid)) idleSince ??= performance.now();
    else idleSince = undefined;
    if (idleSince !== undefined && performance.now() - idleSince > 400) return done('idle');
    // 5 s with no worker while it sleeps (a primary still busy with their deaths is given longer:
    // at a load of 100 one took more than 5 s to get there).
    if (forked && performance.now() - lastAlive > 5000 && loopState(program.pid)?.asleep !== false) return done('idle');
    // Only a safety net: the fork count and the 5 s with no worker are the real limits (about 5 s
    // in all on a quiet machine; a load of 100+ seen here stretched it past a minute).
    if (performance.now() - started > 90_000) return done('deadline');
    await sleep(25);
  }
}

/** The parent of a process (zombies included), from /proc; undefined when it is gone. */
const parentOf = (pid: number): number | undefined => procStat(pid)?.ppid;

/** How long ago a process started, from the kernel's record (/proc); undefined where there is none. */
function ageMs(pid: number): number | undefined {
  const start = procStat(pid)?.start;
  if (start === undefined) return undefined;
  try {
    const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    return uptime * 1000 - Number(start) * 10; // /proc counts in USER_HZ, 100 a second on Linux
  } catch {
    return undefined;
  }
}

/** A copy with WORKERS=1: unstable deaths, a stable one, one more unstable; what it did, or why it failed. */
interface Reset {
  readonly app: App;
  /** Why the primary failed the contract; undefined when it forked after the last death. */
  readonly failed?: string;
  /** Why it failed the second part: after the stable death, 5 unstable ones and no fork. */
  readonly forkedOn?: string;
  /** The check could not keep its own timing (a very busy machine): judged on another copy. */
  readonly unsure?: boolean;
  /** It forked no more after this many unstable deaths in a row, fewer than MAX_UNSTABLE (before the stable one). */
  readonly gaveUpAfter?: number;
}

/**
 * With WORKERS=1: kill RESET_BEFORE new workers at once (each dies long before 1 s has passed
 * since its process started, so before it listens or right after: unstable for certain, and cheap:
 * no start to wait for), let the next one answer for STABLE_MS and kill it (stable for certain),
 * then MAX_UNSTABLE unstable deaths: four by SIGKILL at once (a guard that counts only exit codes
 * saw none of them), the last SHORT_MS after the primary took in its 'listening' (log.listening,
 * recorded in the primary's own turn; a guard whose "stable" starts at 100 ms or 500 ms took it for
 * stable, one that resets on 'listening' started again). The primary must fork after each of the
 * first MAX_UNSTABLE − 1 and not after the last.
 */
async function watchReset(t: CheckContext): Promise<Reset> {
  const log = new ClusterLog();
  t.defer(() => log.remove());
  const app = await t.spawnApp({ env: { WORKERS: '1', CRASH_ON_START: undefined, ...log.env } });
  const known = new Set<number>();
  const story: string[] = [];
  let unsure = false;
  const killedAtOnce: number[] = [];
  // Killed at once, a worker is unstable to the primary unless its clock saw it listen SHORT_SURE_MS
  // or more before its exit: only a very busy machine does that (the check looked away too long,
  // or the primary took the death in late), and then another copy runs.
  const lookedStable = (): boolean =>
    killedAtOnce.some((pid) => {
      const at = log.listening(pid);
      const gone = log.exited(pid);
      return at !== undefined && (gone === undefined || gone - at >= SHORT_SURE_MS);
    });
  const fail = async (why: string, gaveUpAfter?: number): Promise<Reset> => {
    const said = app.program.tail(4);
    if (!app.exit) await app.program.stop(200);
    unsure ||= lookedStable();
    return { app, failed: `${story.join(', ')}; then ${why}. Its last output:\n${said}`, ...(unsure ? { unsure } : {}), ...(gaveUpAfter === undefined ? {} : { gaveUpAfter }) };
  };
  /** The next worker the primary forks, or why none came. */
  const nextWorker = async (): Promise<number | string> => {
    const deadline = performance.now() + 15_000;
    let idleSince: number | undefined;
    for (;;) {
      // Only what the primary forked, by its own 'fork' event: a child of the primary caught in
      // the middle of its exec still reads as node, and tsx's esbuild service killed for a worker
      // took the primary down with it ("The service was stopped: write EPIPE", once on Node 20).
      const fresh = app.workers().filter((pid) => !known.has(pid) && log.forked(pid));
      if (fresh[0] !== undefined) {
        for (const pid of fresh) known.add(pid);
        return fresh[0];
      }
      if (app.exit) return `it ${app.exitText()} instead of forking a new worker`;
      if (app.workers().length === 0 && idleForGood(app.pid)) idleSince ??= performance.now();
      else idleSince = undefined;
      if ((idleSince !== undefined && performance.now() - idleSince > 500) || performance.now() > deadline) {
        return `it forked no new worker (${app.workers().length === 0 ? 'none is left' : `workers: ${app.workers().join(', ')}`})`;
      }
      await sleep(3);
    }
  };
  const kill = (pid: number): void => {
    try {
      sendSignal(pid, 'SIGKILL');
    } catch {
      // It died by itself: still a death.
    }
  };
  const killUnstable = async (): Promise<string | undefined> => {
    const pid = await nextWorker();
    if (typeof pid === 'string') return pid;
    const age = ageMs(pid);
    kill(pid);
    killedAtOnce.push(pid);
    story.push(`killed ${pid} ${Math.round(age ?? 0)} ms after it started`);
    return undefined;
  };
  let shortSure = true; // the primary's clock said the short one lived under SHORT_SURE_MS
  const killShort = async (): Promise<string | undefined> => {
    const pid = await nextWorker();
    if (typeof pid === 'string') return pid;
    // Held before it loads, as a busy machine would: it listens over FORK_HOLD_MS after its fork,
    // so it dies over 1 s after its fork and under 1 s after it listened. A clock started at the
    // fork ("stable once listened and 1 s old") passed whenever the worker loaded fast (Node 24).
    const signal = (sig: NodeJS.Signals): void => {
      try {
        sendSignal(pid, sig);
      } catch {
        // Gone already: the wait for its 'listening' below says so.
      }
    };
    signal('SIGSTOP');
    try {
      await sleep(FORK_HOLD_MS);
    } finally {
      signal('SIGCONT');
    }
    let at: number | undefined;
    for (const until = performance.now() + REPLACE_MS; at === undefined && performance.now() < until && !app.exit && isAlive(pid); await sleep(5)) at = log.listening(pid);
    if (at === undefined) return `worker ${pid} never listened`;
    await sleep(at + SHORT_MS - Date.now());
    kill(pid);
    // How long it lived by the primary's clock: from its 'listening' to its 'exit', as the
    // primary took them in (the learner's listeners run in those same turns).
    let gone: number | undefined;
    for (const until = performance.now() + 10_000; gone === undefined && performance.now() < until && !app.exit; await sleep(5)) gone = log.exited(pid);
    const lived = gone === undefined ? undefined : gone - at;
    if (lived === undefined || lived >= SHORT_SURE_MS) [shortSure, unsure] = [false, true];
    story.push(`killed ${pid} ${lived ?? '?'} ms after it listened, by your primary's clock (unstable: under 1 s)`);
    return undefined;
  };
  for (let i = 0; i < RESET_BEFORE; i++) {
    const why = await killUnstable();
    if (why) return fail(why, i > 0 ? i : undefined); // none at all: not a count given up on
  }
  const stable = await nextWorker();
  if (typeof stable === 'string') return fail(stable, RESET_BEFORE);
  const answered = await app.pollPids({ want: 1, keep: (pid) => pid === stable, deadlineMs: REPLACE_MS });
  if (answered.pids.size === 0) return fail(`worker ${stable} never answered GET /${answered.lastError ? ` (${answered.lastError})` : ''}`);
  // The worker told the primary it listens before it answered; once the primary sleeps it has read
  // that message, so its 'listening' clock started no later than now. (A busy primary can take a
  // second to read it: counted from the first answer, 1.2 s could be under 1 s by its clock.)
  for (const until = performance.now() + 10_000; performance.now() < until && loopState(app.pid)?.asleep === false; ) await sleep(5);
  await sleep(STABLE_MS);
  kill(stable);
  story.push(`killed ${stable} after it had answered for ${STABLE_MS / 1000} s (a stable death)`);
  // The one that listened comes last: a guard that resets its count on 'listening' (not on a
  // stable death) has counted 4 by then and starts again at 0 (a fresh learner's).
  for (let j = 1; j <= MAX_UNSTABLE; j++) {
    const why = await (j === MAX_UNSTABLE ? killShort() : killUnstable());
    // No fork after j − 1 of them: "gives up at 4" once 4 had died, else a count the stable death did not reset.
    if (why) return fail(why, j - 1 === MAX_UNSTABLE - 1 ? j - 1 : undefined);
  }
  const more = await nextWorker();
  if (!app.exit) await app.program.stop(200);
  unsure ||= lookedStable();
  if (typeof more === 'number' && shortSure) {
    return { app, forkedOn: `${story.slice(-MAX_UNSTABLE).join(', ')}; then it forked ${more}. Its last output:\n${app.program.tail(4)}`, ...(unsure ? { unsure } : {}) };
  }
  return { app, ...(unsure ? { unsure } : {}) };
}

interface Refusal {
  readonly value: string;
  readonly program: Program;
  /** Node processes it started (cluster.fork and the like), recorded from inside it. */
  readonly forked: number;
  readonly ended: 'exited' | 'forked' | 'deadline';
  /** How long the check watched it. */
  readonly ms: number;
}

/** Start the program with an invalid WORKERS; watch until it exits, forks, or `withinMs` pass (more while it is still busy). */
async function watchRefusal(t: CheckContext, value: string, withinMs: () => number): Promise<Refusal> {
  const log = new SpawnLog();
  const program = await t.spawn({ env: { WORKERS: value, CRASH_ON_START: undefined, ...log.env } });
  const started = performance.now();
  let ended: Refusal['ended'] = 'deadline';
  for (;;) {
    if (program.exit) {
      ended = 'exited';
      break;
    }
    if (log.forks().length > 0) {
      ended = 'forked';
      break;
    }
    // Past the bound, a copy still loading (busy, or with a timer due) gets more time, up to 20 s:
    // at a load of 25 a copy on Node 20 was stopped, silent, before it could refuse.
    const waited = performance.now() - started;
    if ((waited > withinMs() && idleForGood(program.pid)) || waited > Math.max(20_000, withinMs())) break;
    await sleep(20);
  }
  const forked = log.forks().length;
  const ms = performance.now() - started;
  if (!program.exit) await program.stop(200);
  log.remove();
  return { value, program, forked, ended, ms };
}

export default defineCheck({
  // About 5 s on a quiet machine; generous because under a load of 100+ one process start took
  // 10-20 s. Each step has its own, shorter bound.
  timeoutMs: 180_000,
  async run(t) {
    const launched = performance.now();
    // The reset copy is the longest (two stable lives, nine tries) and judges by your primary's own
    // clock, which a busy start does not blur: it starts at once, beside the serving one.
    const resetDone = (async (): Promise<Reset> => {
      let r = await watchReset(t);
      for (let copy = 2; r.unsure && copy <= 3; copy++) r = await watchReset(t);
      return r;
    })();
    // So does the bad deploy's (its count of forks and its exit, whatever the machine's speed).
    const loopLog = new ClusterLog();
    t.defer(() => loopLog.remove());
    const loopDone = t.spawn({ env: { WORKERS: String(CRASH_WORKERS), CRASH_ON_START: '1', ...pauseOnlineEnv(PAUSE_ONLINE_MS, { log: loopLog, hold: HOLD_ONLINE }) } }).then((p) => watchCrashLoop(p, loopLog));
    // A serving program that fails to start ends the run first.
    for (const beside of [resetDone, loopDone]) beside.catch(() => undefined);
    // It sees one core (fake-cores.cjs): WORKERS=2 is above it, and a count capped at the cores shows.
    // What the primary took in (cluster-log.cjs): on SIGTERM it must have taken in every worker's
    // 'exit' before it exits, not only its 'disconnect'. Each worker stays 0.1 s after its
    // disconnect, so its 'exit' comes that much after its 'disconnect', and one left behind is seen
    // running (a count of 'disconnect' events passed 5 runs in 5: the exit followed within ms, in
    // either order).
    const appLog = new ClusterLog({ lingerAfterDisconnectMs: 100 });
    t.defer(() => appLog.remove());
    const app = await t.start({ env: { WORKERS: String(WORKERS), CRASH_ON_START: undefined, ...withPreloads(fakeCoresEnv(SEEN_CORES), appLog.env) }, readyMs: 30_000 });
    const startMs = performance.now() - launched;
    // The copies that measure the back-off start once it answers and run beside it: they mostly
    // wait. (Started with it, they measured the back-off during the busiest second of the check; at
    // a load of 24 a correct program's waits were misread twice in 30 runs.) More of them, within
    // TRIES_MS, until one gives both a certain SIGTERM moment and a measured pair of waits (a busy
    // machine can keep the check from looking often enough); none once a copy has settled it
    // otherwise: it never stopped forking, it gave up too early, or it plainly forked again at
    // once, three times.
    const triesDone = (async (): Promise<Tries[]> => {
      const all: Tries[] = [];
      const since = performance.now();
      for (;;) {
        const r = await watchTries(t);
        all.push(r);
        // A pair with the cut-short wait in it is judged only when no copy gives a better one in time;
        // so is one that does not decide (a growth of 50 to 75 ms from blurred waits): 30 * n
        // passed, read crowded, at a load of 12.
        const pair = growthPair(r.waits);
        const settled = r.ended === 'too many forks' || r.ended === 'never waits' || gaveUpEarly(r) || (r.term !== undefined && pair !== undefined && pair.trust >= 4 && decides(pair));
        // At least two copies: at a load of 100 one copy alone (tsx, Node 20) took 40 s. Past
        // TRIES_MS, more only while no copy gave the SIGTERM moment or a pair of waits: at a load
        // of 40 on Node 20 two copies missed the moment in 3 runs of 32 (a right program's ✗).
        const enough = all.some((c) => c.term !== undefined) && all.some((c) => { const p = growthPair(c.waits); return p !== undefined && decides(p); });
        if (settled || (performance.now() - since > TRIES_MS && all.length >= 2 && enough) || performance.now() - since > 2.5 * TRIES_MS || all.length >= 6) return all;
      }
    })();

    // A refusal is a primary's start alone: three times this program's start (at least 3 s) is plenty.
    const refusals = Promise.all(INVALID.map((value) => watchRefusal(t, value, () => Math.max(3000, 3 * startMs))));
    // Awaited below, after the serving program's expectations; when the run ends before that (a
    // fatal ✗, the time bound, a caller's stopWhen) they end with the harness's Stop, no one's to handle.
    for (const beside of [resetDone, loopDone, triesDone, refusals]) beside.catch(() => undefined);

    const serving = async (): Promise<void> => {
      // Copies of the program run beside this one: a chart under one of these ✗ draws this copy alone.
      const judge = <T>(name: string, hint: string, body: () => Promise<T>): Promise<T | undefined> => t.expect(name, hint, body, { about: [app] });
      const originals = await judge(`with WORKERS=${WORKERS}, ${WORKERS} workers answer GET /`, 'Keep lesson 03: fork Number(process.env.WORKERS) workers, each answering {"pid": process.pid}.', async () => {
        // Fewer live workers, all answering for 1.5 s with no new one forked, are the verdict: a
        // count capped at the cores waited out the whole 30 s for a worker that was never forked.
        const { answered: seen, workers } = await app.census({ want: WORKERS, deadlineMs: 30_000 });
        if (seen.size === 0) {
          const reply = await app.get('/', 3000);
          unmet('GET / answers JSON {"pid": <pid of the worker>}', `${describeReply(reply)} — no "pid"`, 'Answer GET / with res.json({ pid: process.pid }): the check tells the workers apart by "pid".');
        }
        if (seen.size < WORKERS || workers.length !== WORKERS) {
          unmet(`${WORKERS} workers, each answering with its own pid`, `pids that answered: ${[...seen].join(', ') || 'none'}; the primary's workers: ${workers.join(', ') || 'none'}`, coresCountHint(SEEN_CORES, workers.length, WORKERS));
        }
        return workers;
      });
      if (originals === undefined) return;
      const originalsAt = performance.now(); // both have listened at least since then
      await expectLoopbackOnly(t, app);

      const crash = await judge('GET /crash makes the worker that answers it exit', 'In the worker, answer GET /crash and then end the process with a non-zero code: process.exit(1), or throw from a timer.', async () => {
        const logFrom = app.program.output.length;
        const reply = await app.get('/crash', 3000).catch(() => undefined); // answering first or not
        // The worker that answered, if it did: a program that also lets the other one go must not
        // have its log judged by the wrong pid.
        const answeredBy = reply ? pidOf(reply) : undefined;
        // A 404 is Express's (or your) answer for a route that does not exist: no exit is coming.
        const deadline = performance.now() + (reply?.status === 404 ? 1500 : 10_000);
        for (;;) {
          const dead = originals.filter((pid) => !isAlive(pid));
          const gone = dead.find((pid) => pid === answeredBy) ?? dead[0];
          if (gone !== undefined) return { pid: gone, at: performance.now(), logFrom };
          if (app.exit) throw primaryDied(app);
          if (performance.now() >= deadline) {
            const said = reply ? `it answered ${describeReply(reply, 120)}` : 'it got no answer';
            unmet('one of the workers to exit', `GET /crash: ${said}, and workers ${originals.join(' and ')} were both still running ${reply?.status === 404 ? '1.5' : '10'} s later`);
          }
          await sleep(20);
        }
      });
      if (crash === undefined) return;

      const crashed = await judge('the primary replaces the crashed worker: two workers again, and the new one answers', "Node never restarts a worker by itself: in cluster.on('exit', …) fork a new one.", () =>
        replacement(app, originals, crash.at),
      );

      await judge('the primary logs which worker died and why: its pid and exit code', "In cluster.on('exit', (worker, code, signal) => …) log worker.process.pid and the code (or the signal).", async () => {
        const line = await app.program.waitForOutput(logLine(crash.pid, `${CODE_WORD}[1-9]`), 3000, crash.logFrom);
        if (!line) {
          const said = app.program.output.slice(crash.logFrom);
          // A log that names the pid with code 0: the log is right, the crash is not.
          const zero = new RegExp(`\\b${crash.pid}\\b.*${CODE_WORD}0\\b`).test(said);
          // A log that names the pid and a signal: the log is right, but /crash ended by a signal (process.abort(), process.kill).
          const bySignal = new RegExp(`\\b${crash.pid}\\b.*\\bSIG[A-Z]+`).test(said);
          unmet(
            `a line naming pid ${crash.pid} and its exit code, like "worker ${crash.pid} died (code 1)"`,
            `the output since the crash:\n${said.trim().split('\n').slice(-8).join('\n') || '(nothing)'}`,
            zero
              ? 'Your log is right: the worker exited with code 0. GET /crash must exit with a non-zero code (process.exit(1)): 0 says "all went well", and a crash is not.'
              : new RegExp(`${CODE_WORD}[1-9]`).test(said) && !namesPid(said, crash.pid)
                ? NO_PID_HINT
                : bySignal
                  ? 'Your log is right: the worker was ended by a signal. GET /crash must exit with a non-zero code (process.exit(1), or an uncaught exception), not by a signal (process.abort(), process.kill()).'
                  : undefined,
          );
        }
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
      const killed = await judge('after SIGKILL of a worker the primary replaces it: two workers again, and the new one answers', "Replace every worker that dies, whatever killed it: cluster.on('exit') fires for signals too.", () =>
        replacement(app, before, killedAt),
      ).catch(async (err: unknown) => {
        await load.stop(0);
        throw err;
      });
      await sleep(200);
      // A connection that was on its way to the killed worker hangs until its timeout: don't wait
      // for it, count it as failed (it was sent before the replacement answered).
      const answeredAt = killed === undefined ? Infinity : killedAt + killed.ms;
      const report = await load.stop(300);
      const hung = report.unfinished.filter((at) => at < answeredAt).length;

      await judge(`while one worker is killed the other keeps answering: at most ${MAX_FAILED} requests fail, none after the replacement answers`, 'Replace only the worker that died; the others must keep serving (no restart of all workers, no exit of the primary).', async () => {
        const late = report.samples.filter((s) => !s.ok && s.startedAt > answeredAt);
        const during = report.samples.filter((s) => s.ok && s.endedAt > killedAt && s.endedAt < answeredAt).length;
        const failed = report.failed + hung;
        if (failed > MAX_FAILED || late.length > 0) {
          unmet(
            `at most ${MAX_FAILED} failed requests (those in flight to the killed worker), none sent after the new worker answered`,
            `${failed} of ${report.sent + hung} requests failed (${describeFailures(report)}${hung > 0 ? `, ${hung} hung` : ''}), ${late.length} of them after the new worker answered; ${during} answered between the kill and the replacement`,
          );
        }
      });

      await judge('the primary logs which worker died and why: its pid and SIGKILL', "The signal is the 'exit' listener's third argument: cluster.on('exit', (worker, code, signal) => …).", async () => {
        const line = await app.program.waitForOutput(logLine(victim, 'SIGKILL'), 3000, logFrom);
        if (!line) {
          const said = app.program.output.slice(logFrom);
          unmet(
            `a line naming pid ${victim} and SIGKILL, like "worker ${victim} died (signal SIGKILL)"`,
            `the output since the kill:\n${said.trim().split('\n').slice(-8).join('\n') || '(nothing)'}`,
            // The signal is there, the pid is not: a worker's id (1, 2, 3…) in its place.
            /SIGKILL/.test(said) && !namesPid(said, victim) ? NO_PID_HINT : undefined,
          );
        }
      });

      // SIGTERM: every worker is let go on purpose, none replaced, and the primary exits 0. One
      // worker is kept busy with half a request, so the others' exits reach the primary apart from
      // its exit: a replacement forked from a timer after an exit (setTimeout(fork, 0)) shows then.
      const held = await holdOneWorker(app);
      // Let go, the check sends the rest of that request: a worker let go with disconnect() answers
      // it before it exits; one ended with worker.kill() (SIGTERM, since Node 18) or killed never does.
      const running = app.workers();
      const forked = new Set<number>();
      // Long enough for this program to fork a replacement, as it did after the SIGKILL; cut short
      // once the primary sleeps with no timer due (a deferred fork would have run by then).
      const holdMs = Math.min(5000, Math.max(500, 3 * (killed?.forkMs ?? crashed.forkMs) + 300));
      const termAt = performance.now();
      let othersGoneAt: number | undefined;
      let onTimer = false; // the busy worker was held on because the primary slept on a timer
      app.program.signal('SIGTERM');
      while (!app.exit && performance.now() - termAt < 20_000) {
        for (const pid of app.newWorkers(running)) forked.add(pid);
        if (forked.size > 0) break; // judged: no need to wait for an exit that can't come
        if (held.request.closedAt === undefined && held.request.finishedAt === undefined) {
          const others = running.filter((pid) => pid !== held.worker);
          if (held.worker === undefined ? others.some(reaped) : others.every(reaped)) othersGoneAt ??= performance.now();
          const quiet = othersGoneAt !== undefined && performance.now() - othersGoneAt > 20 && idleForGood(app.pid) && app.newWorkers(running).length === 0;
          // Asleep on a timer due soon, it may be a deadline to exit whatever the busy worker does:
          // held past it (up to DEADLINE_HOLD_MS), a primary that exits then leaves that worker running.
          const deadline = timerDueSoon(app.pid) && performance.now() - termAt < DEADLINE_HOLD_MS;
          if (deadline && othersGoneAt !== undefined) onTimer = true;
          if (quiet || (othersGoneAt !== undefined && performance.now() - othersGoneAt > holdMs && !deadline) || performance.now() - termAt > 10_000) held.request.finish();
        }
        await sleep(10);
      }
      // Workers still running when the primary was seen to exit: the held one cannot have finished
      // (the rest of its request was not sent yet), so a primary that exits before its workers shows here.
      const outlived = app.exit ? running.filter((pid) => { const state = procStat(pid)?.state; return state !== undefined && state !== 'Z'; }) : [];
      held.request.finish();
      // Answered before the worker could exit; a little longer only for a primary still running.
      await held.request.settle(2000);
      held.request.destroy();
      await judge('on SIGTERM the primary replaces none of the workers it lets go', "worker.disconnect() sets worker.exitedAfterDisconnect: check it in cluster.on('exit') and don't fork then.", async () => {
        if (forked.size > 0) {
          const busy = held.worker === undefined ? '' : ` (worker ${held.worker} was still busy with a request, so the others' exits came first)`;
          unmet('no new worker after SIGTERM', `it forked ${forked.size} new worker(s) (${[...forked].join(', ')}) after SIGTERM${busy}`);
        }
      });
      await judge('on SIGTERM the primary exits with code 0 once its workers are gone, leaving nothing running', "process.on('SIGTERM', …): disconnect every worker, then process.exit(0) when the last one has exited.", async () => {
        const exit = app.exit;
        if (!exit) {
          unmet(
            'the primary to exit within 20 s of SIGTERM',
            `it is still running, with workers ${app.workers().join(', ') || 'none'}. Its last output:\n${app.program.tail(5)}`,
            // Its exit may be right, and wait for the workers it forked after SIGTERM (the ✗ above).
            forked.size > 0 ? `It forked ${forked.size === 1 ? 'a worker' : 'workers'} after SIGTERM (the ✗ above), and your exit waits for ${forked.size === 1 ? 'it' : 'them'} too: fix that first. Fork nothing once you are stopping; the last exit of the ones you let go then ends the primary.` : undefined,
          );
        }
        if (exit.code !== 0) unmet('exit code 0', `it ${exit.signal ? `was killed by ${exit.signal} (no SIGTERM handler?)` : `exited with code ${exit.code}`}`);
        // Gone in the end, but after the primary: it exited on something other than their 'exit'.
        const unseen = running.filter((pid) => appLog.exited(pid) === undefined);
        if (outlived.length === 0 && unseen.length > 0) {
          unmet(
            'the primary exits once it has seen every worker exit',
            `it exited before it had taken in the 'exit' of worker(s) ${unseen.join(', ')}`,
            "Exit when the last worker's 'exit' has come (cluster.on('exit')), counted yourself: a worker's 'disconnect' comes before its exit, while it still runs.",
          );
        }
        if (outlived.length > 0) {
          const busy = held.worker !== undefined && outlived.includes(held.worker) ? `; worker ${held.worker} is the one the check kept busy with a request` : '';
          unmet(
            'no worker still running when the primary exits',
            `worker(s) ${outlived.join(', ')} still ran when the primary exited${busy}${onTimer ? ', held past the timer your primary slept on after SIGTERM' : ''}`,
            onTimer
              ? "Exit when the last worker's 'exit' has come, however long its last request takes: a timer that calls process.exit() leaves a busy worker running (a deadline that ends workers is lesson 07's kill timer, and it kills them first)."
              : "Exit when the last worker's 'exit' has come, counted yourself: a worker's 'disconnect' comes while it still runs, cluster.disconnect()'s callback while others still run, and cluster.workers forgets a worker the moment disconnect() is called on it (all three in Node's lib/internal/cluster/primary.js).",
          );
        }
        if (!(await app.program.waitGroupGone(5000))) unmet('no process left after the primary exits', `still running: ${app.program.members().join(', ')}`);
      });
      await judge(
        'on SIGTERM a worker still finishing a request answers it before it exits',
        "worker.disconnect() lets a worker finish the requests it has; worker.kill() is worker.process.kill() since Node 18: SIGTERM, and the worker ends mid-request.",
        async () => {
          if (forked.size > 0) return; // judged above; the check stopped waiting for this one
          const answer = held.request.got;
          const status = /^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1];
          if (status === undefined) {
            const who = held.worker === undefined ? 'a worker' : `worker ${held.worker}`;
            unmet(`an answer to the request ${who} was reading when SIGTERM came (the check sent its last line once the other worker had gone)`, answer === '' ? 'the connection closed with no answer: the worker ended mid-request' : `not an HTTP answer: ${JSON.stringify(answer.slice(0, 80))}`);
          }
        },
      );
    };
    await serving();

    // Each expectation below is about its own copies: a chart under its ✗ draws theirs alone.
    const refused = await refusals;
    await t.expect(`an invalid WORKERS (${INVALID.join(', ')}) is refused: a non-zero exit, no worker forked`, 'Keep lesson 03: check that Number(WORKERS) is a whole number of at least 1 before you fork anything; else print why and process.exit(1).', async () => {
      for (const r of refused) {
        const said = r.program.tail(3);
        if (r.forked > 0) unmet(`WORKERS=${r.value} refused before anything is forked`, `it forked ${r.forked === 1 ? 'a worker' : `${r.forked} workers`} instead`);
        if (!r.program.exit) unmet(`WORKERS=${r.value}: the primary exits with a non-zero code`, `it still ran ${(r.ms / 1000).toFixed(1)} s later. Its last output:\n${said}`);
        if (r.program.exit.code === 0 || r.program.exit.code === null) unmet(`WORKERS=${r.value}: a non-zero exit code`, `it ${describeExit(r.program.exit)}. Its last output:\n${said}`);
      }
    }, { about: refused.map((r) => r.program) });

    const reset = await resetDone;

    await t.expect(
      `the primary forks on after ${MAX_UNSTABLE - 1} unstable deaths in a row (it gives up at ${MAX_UNSTABLE}, not fewer), and a stable death resets the count: with WORKERS=1, ${RESET_BEFORE} unstable deaths, a stable one, ${MAX_UNSTABLE - 1} unstable ones, a new worker after each`,
      "In cluster.on('exit'): unstableInARow = uptime < 1000 ? unstableInARow + 1 : 0, where uptime counts from the worker's 'listening' (0 if it never listened).",
      async () => {
        if (reset.gaveUpAfter !== undefined && reset.failed) {
          unmet(`with WORKERS=1, a new worker after each of the first ${MAX_UNSTABLE - 1} unstable deaths in a row: it gives up at ${MAX_UNSTABLE}, not fewer`, `it forked no more after ${reset.gaveUpAfter} unstable deaths in a row: ${reset.failed}`, `One bad start or two can be bad luck (a port still held, a database restarting): give up after ${MAX_UNSTABLE} unstable deaths in a row, not fewer.`);
        }
        if (reset.failed) unmet(`with WORKERS=1, a new worker after each death (the unstable count starts again at 0 with the stable death)`, reset.failed);
      },
      { about: [reset.app] },
    );
    if (!reset.failed) {
      await t.expect(
        `then a ${ordinal(MAX_UNSTABLE)} unstable death in a row and it forks no more (the first four killed by SIGKILL before they listened, the fifth ${SHORT_MS} ms after it listened)`,
        `Every death counts: a worker killed by a signal (code null) as much as one that exits with a code, and one that had listened for less than 1 s is unstable. Time it from the primary's 'listening' for that worker (a stable worker has listened 1 s, not 100 or 500 ms), and reset the count on a stable death, not on 'listening'. And stop at the ${ordinal(MAX_UNSTABLE)} in a row (unstable >= ${MAX_UNSTABLE}), not after it.`,
        async () => {
          if (reset.forkedOn) unmet(`no new worker after the ${ordinal(MAX_UNSTABLE)} unstable death in a row`, reset.forkedOn);
        },
        { about: [reset.app] },
      );
    }

    const loop = await loopDone;
    const tail = loop.program.tail(6);
    await t.expect(
      `with CRASH_ON_START=1 and WORKERS=${CRASH_WORKERS} the primary stops forking at the ${ordinal(MAX_UNSTABLE)} unstable death in a row: no worker is forked after it, not even by a try scheduled before it`,
      `Count unstable deaths in a row (died before listening, or less than 1 s after); at ${MAX_UNSTABLE}, fork no more.`,
      async () => {
        const after = loopLog.forksAfterExit(MAX_UNSTABLE);
        if (loop.ended === 'too many forks') {
          unmet(
            `no fork after the ${ordinal(MAX_UNSTABLE)} death`,
            `it had forked ${loop.forks} workers in ${(loop.ms / 1000).toFixed(1)} s (the check stopped it there). Each worker was paused ${PAUSE_ONLINE_MS / 1000} s once it was 'online', as a busy machine pauses one still loading, and then crashed before it listened. Its last output:\n${tail}`,
            `Count unstable deaths in a row; at ${MAX_UNSTABLE}, fork no more. A worker that never listened is unstable however long it lived: measure from its 'listening' event, not from 'online' or fork().`,
          );
        }
        if (after && after.forked.length > 0) {
          unmet(
            `no fork after the ${ordinal(MAX_UNSTABLE)} unstable death in a row (worker ${after.exited}, killed by the check before it listened, right after the fourth, while the try for the fourth still waited)`,
            `it forked ${after.forked.length} after it (${after.forked.join(', ')}). Its last output:\n${tail}`,
            `Decide at the death and again where the try forks: count the ${ordinal(MAX_UNSTABLE)} death before you schedule a try (a sixth try gives up one late), and let a try scheduled before the give-up fork nothing (check your give-up flag in the timer, or clear the timers).`,
          );
        }
      },
      { about: [loop.program] },
    );
    await t.expect('then, with no worker left, the primary exits with a non-zero code and says why', "Once you stop forking and the last worker has exited, console.error why (a crash loop) and process.exit(1).", async () => {
      const exit = loop.exit;
      if (loop.ended === 'too many forks') unmet('the primary to give up', 'it never stopped forking');
      if (!exit) {
        unmet('the primary to exit once its last worker is gone', loop.ended === 'idle' ? `it forked ${loop.forks} workers, then ran on with none. Its last output:\n${tail}` : `still running after ${loop.ms / 1000} s. Its last output:\n${tail}`);
      }
      if (exit.code === 0 || exit.code === null) {
        unmet(
          'a non-zero exit code',
          `it ${exit.signal ? `was killed by ${exit.signal}` : 'exited with code 0'}: a supervisor (systemd, Docker, pm2) reads 0 as "all went well". The check held one worker still loading until your primary had given up, as a slow start does; it exited after that`,
          exit.signal ? undefined : 'Giving up is not a SIGTERM shutdown: when the last worker exits after the give-up (one may still be starting then), exit with a non-zero code there too.',
        );
      }
      // Words a reason is said in, and none a worker's death line needs ("died", "exit" are in those):
      // "…died within a second of starting: a bad deploy? Not forking any more" was refused (a learner probe's).
      if (!/crash|loop|unstable|giv\w* up|gave up|too (many|often|fast|quick)|restart|stop|abort|in a row|bad deploy|no more|any ?more|not fork|won'?t fork|no longer/i.test(loop.program.output)) {
        unmet('a message that says why it gives up (e.g. "crash loop: … giving up")', `its last output:\n${tail}`);
      }
      if (!(await loop.program.waitGroupGone(2000))) unmet('no worker left after the primary exits', `still running: ${loop.program.members().join(', ')}`);
      // The primary's own 'exit' events (cluster-log.cjs): one it never took in was still running
      // when it exited (a held worker is, at the give-up, for certain).
      const unseen = loop.workers.filter((pid) => loopLog.exited(pid) === undefined);
      if (unseen.length > 0) {
        unmet(
          'the primary exits once no worker is left',
          `it exited before worker ${unseen.join(', ')} had exited (it never took in that 'exit'): the check held one still loading when your primary gave up`,
          "Giving up means: fork no more, then wait. Exit in cluster.on('exit') once your count of live workers is 0, not at the fifth death.",
        );
      }
    }, { about: [loop.program] });

    const tries = await triesDone;
    const last = tries.at(-1) ?? tries[0];
    // "crowded": the primary waited for a core during that wait; "cut short": SIGTERM came in it;
    // "paused": the check held the primary stopped around the death before it.
    const shown = (waits: readonly Wait[]): string =>
      waits.map((w) => (waitOf(w) === undefined ? '?' : `${waitOf(w)} ms${w.queued ? ' (crowded)' : ''}${w.cut ? ' (cut short)' : w.paused ? ' (paused)' : ''}`)).join(', ');
    await t.expect(
      'with CRASH_ON_START=1 the primary waits longer before each new try',
      'Before each new try wait longer than the last time, e.g. setTimeout(() => cluster.fork(), 100 * unstableInARow): 100, 200, 300 ms…',
      async () => {
        const first = tries[0];
        const judged = tries
          .map((r) => ({ r, pair: growthPair(r.waits) }))
          .reduce<{ r: Tries; pair: GrowthPair } | undefined>((best, x) => (x.pair && (!best || rankOf(x.pair) > rankOf(best.pair)) ? { r: x.r, pair: x.pair } : best), undefined);
        if (!judged) {
          if (!tries.some((r) => r.deaths >= TERM_AFTER)) {
            const why = first?.ended === 'too many forks' ? 'it never stopped forking' : `it ${first?.program.exit ? describeExit(first.program.exit) : 'stopped'} after ${first?.deaths ?? 0} worker deaths`;
            unmet(`at least ${TERM_AFTER} tries to watch with WORKERS=1`, `${why}: it must give up after ${MAX_UNSTABLE} unstable deaths in a row, not fewer`);
          }
          unmet(`three waits to compare with WORKERS=1`, `the check could not measure them (the machine may be very busy): ${tries.map((r) => shown(r.waits)).join('; ')}`);
        }
        const { pair, r } = judged;
        if (pair.later - pair.first < (pair.exact ? GROWTH_EXACT_MS : GROWTH_SEEN_MS)) {
          unmet(
            `a growing wait: at least ${GROWTH_MS} ms more before try ${pair.at + 1} than two tries before, before try ${pair.at - 1}`,
            `waits seen between a death and the next try: ${shown(r.waits)}`,
            // Growing, by too little: the example the default hint gives is what they already do.
            pair.later - pair.first >= 10
              ? `The waits grow, but by too little: make each one at least ${GROWTH_MS} ms longer than the one two tries before, e.g. 100 * unstableInARow (100, 200, 300 ms) or steps of 100, 100, 200, 200.`
              : undefined,
          );
        }
      },
      { about: tries.map((r) => r.program) },
    );
    await t.expect(
      'SIGTERM while no worker is alive (between two tries of a crash loop): the primary forks none and exits with code 0',
      "No worker will exit to call process.exit(0) for you: in the SIGTERM handler, exit at once when none is alive, and let a try you scheduled fork nothing once you are stopping.",
      async () => {
        const hit = tries.find((r) => r.term !== undefined);
        if (!hit?.term) {
          const longest = Math.max(0, ...tries.flatMap((r) => r.waits.map((w) => waitOf(w) ?? 0)));
          const early = tries.every(gaveUpEarly);
          unmet(
            'a moment with no worker alive and a try still to come, to send SIGTERM in',
            last?.ended === 'too many forks'
              ? 'it never stopped forking'
              : early
                ? `it gave up after ${last?.deaths ?? 0} worker deaths, before the check's SIGTERM after the ${ordinal(TERM_AFTER)}; the contract says ${MAX_UNSTABLE} in a row, not fewer`
                : tries.some((r) => neverWaits(r.waits))
                ? `there was none: after each death it forked again within a few ms (${tries.length} cop${tries.length === 1 ? 'y' : 'ies'} watched)`
                : `the check could not catch one in ${tries.length} copies (the machine may be very busy): the longest wait seen was ${longest} ms`,
            early
              ? `Give up at the ${ordinal(MAX_UNSTABLE)} unstable death in a row, not sooner: after the ${ordinal(TERM_AFTER)} the primary still waits and tries again.`
              : 'Wait before each new try (setTimeout), longer each time; on SIGTERM exit at once when no worker is alive.',
          );
        }
        const { program, term } = hit;
        const exit = program.exit;
        const out = program.tail(5);
        if (term.forked.length > 0) unmet('no new worker after SIGTERM', `SIGTERM came after ${term.after} deaths, while it waited to fork again; it forked worker ${term.forked.join(', ')} anyway. Its last output:\n${out}`);
        if (!exit) unmet('the primary to exit within 5 s of SIGTERM', `with no worker alive it ran on for ${(term.ms / 1000).toFixed(1)} s after SIGTERM. Its last output:\n${out}`);
        if (exit.code !== 0) unmet('exit code 0', `it ${exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`}. Its last output:\n${out}`);
      },
      { about: tries.map((r) => r.program) },
    );
  },
});
