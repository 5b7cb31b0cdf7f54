// The timeline (issue #15): what a check records while it runs — the requests it sent and who
// answered them, the learner's processes born and ended, the signals the check sent, the running
// expectation — is in order, streamed as it happens, true to the answers, and shows what each lesson
// is about. A failing check records too, and leaves nothing running.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineCheck, runCheck, type CheckDefinition } from '../checks/lib/check.ts';
import { pidOf, sleep, unmet, type Reply } from '../checks/lib/index.ts';
import { checkLesson, type CheckResult, type TimelineEvent } from '../checks/lib/runner.ts';
import { formatResult } from '../scripts/views/result.ts';
import { leftovers, lesson, solutionOf, variantsDir } from './helpers.ts';

type Of<K extends TimelineEvent['kind']> = Extract<TimelineEvent, { kind: K }>;
const only = <K extends TimelineEvent['kind']>(r: CheckResult, kind: K): Of<K>[] => (r.timeline ?? []).filter((e): e is Of<K> => e.kind === kind);

interface Run extends CheckResult {
  readonly text: string;
  readonly streamed: readonly TimelineEvent[];
  readonly events: readonly TimelineEvent[];
  readonly leftovers: string[];
}

const finish = (result: CheckResult, streamed: TimelineEvent[], dir: string): Run => ({
  ...result,
  text: formatResult(result),
  streamed,
  events: result.timeline ?? [],
  leftovers: leftovers(dir),
});

/** A lesson's check with the live stream collected beside the result. */
async function checkWithStream(ref: string, dir: string): Promise<Run> {
  const streamed: TimelineEvent[] = [];
  const result = await checkLesson(lesson(ref), dir, { onEvent: (e) => streamed.push(e) });
  return finish(result, streamed, dir);
}

/** A check defined here, on a lesson's folder, with the live stream collected. */
async function runWithStream(def: CheckDefinition, dir: string, id = 'timeline-probe'): Promise<Run> {
  const streamed: TimelineEvent[] = [];
  const result = await runCheck({ id, title: id }, def, dir, { onEvent: (e) => streamed.push(e) });
  return finish(result, streamed, dir);
}

/** What every recorded run must be: ordered, streamed whole, its expectations on it, its answering pids born first. */
function wellFormed(r: Run): void {
  const events = r.events;
  expect(events.length, r.text).toBeGreaterThan(0);
  expect(r.streamed, 'the live stream delivers every event of result.timeline, in the same order').toEqual(events);
  for (let i = 1; i < events.length; i++) {
    expect(events[i]!.atMs, `event ${i} (${JSON.stringify(events[i])}) after ${JSON.stringify(events[i - 1])}`).toBeGreaterThanOrEqual(events[i - 1]!.atMs);
  }
  for (const e of events) {
    expect(Number.isInteger(e.atMs) && e.atMs >= 0, JSON.stringify(e)).toBe(true);
    expect(e.atMs, JSON.stringify(e)).toBeLessThanOrEqual(r.durationMs + 1);
  }
  // Every verdict is on it, in the same order, with the same outcome.
  const ends = only(r, 'expectation').filter((e) => e.ok !== undefined);
  expect(ends.map((e) => [e.name, e.ok])).toEqual(r.expectations.map((e) => [e.name, e.ok]));
  // Each started program spawns once and exits once; a child exits at most once, after its spawn.
  const spawns = only(r, 'spawn');
  expect(new Set(spawns.map((e) => e.pid)).size, 'one spawn per pid').toBe(spawns.length);
  for (const s of spawns) {
    const exits = only(r, 'exit').filter((e) => e.pid === s.pid);
    expect(exits.length, `exits of ${s.pid}`).toBeLessThanOrEqual(1);
    if (exits[0]) expect(exits[0].atMs).toBeGreaterThanOrEqual(s.atMs);
    if (s.role === 'program') expect(exits, `program ${s.pid} ends, with its code or signal`).toEqual([expect.objectContaining({ pid: s.pid, tree: s.pid })]);
    if (s.role === 'program') expect(exits[0]?.code !== undefined && exits[0]?.signal !== undefined).toBe(true);
  }
}

/** Answered requests whose pid is a process of the learner's tree, born before its answer. */
function answersFromTheTree(r: Run): void {
  const bornAt = new Map(only(r, 'spawn').map((s) => [s.pid, s.atMs]));
  for (const q of only(r, 'request').filter((q) => q.pid !== undefined)) {
    expect(bornAt.has(q.pid!), `pid ${q.pid} answered ${q.path} at ${q.atMs} ms but never spawned on the timeline`).toBe(true);
    expect(bornAt.get(q.pid!)!, `pid ${q.pid}'s spawn comes before its answer`).toBeLessThanOrEqual(q.atMs);
  }
}

const workersOf = (r: Run, program: number): number[] => only(r, 'spawn').filter((s) => s.role === 'child' && s.tree === program).map((s) => s.pid);
/**
 * The program the check serves its requests from. 04 and 07 start copies beside it, some before it
 * (their workers answer seldom or never): it is the one whose tree answered from the most pids.
 */
const theProgram = (r: Run): number => {
  const treeOf = new Map(only(r, 'spawn').map((s) => [s.pid, s.tree]));
  const answering = new Set(only(r, 'request').flatMap((q) => (q.pid === undefined ? [] : [q.pid])));
  const score = (program: number): number => [...answering].filter((pid) => treeOf.get(pid) === program).length;
  const programs = only(r, 'spawn').filter((s) => s.role === 'program').map((s) => s.pid);
  return programs.reduce((best, p) => (score(p) > score(best) ? p : best), programs[0]!);
};

describe('the timeline of a check', () => {
  it('records each request with the pid that answered it, in its own run when two checks run at once', async () => {
    // A check that keeps every answer it got: the timeline must say the same, request by request.
    const answers = new Map<string, (number | undefined)[]>();
    const probe = (key: string): CheckDefinition =>
      defineCheck({
        timeoutMs: 60_000,
        async run(t) {
          const app = await t.start({ env: { WORKERS: '2' }, readyMs: 30_000 });
          await t.expect('answers come from the workers', '', async () => {
            const got: (number | undefined)[] = [];
            const keep = (reply: Reply): void => void got.push(pidOf(reply));
            for (let i = 0; i < 6; i++) keep(await app.get('/'));
            // In parallel too: each lands in this run and no other.
            for (const reply of await Promise.all([1, 2, 3, 4, 5, 6].map(() => app.get('/')))) keep(reply);
            const failed = await app.get('/no-such-route').catch(() => undefined);
            if (!failed || failed.status !== 404) unmet('a 404', String(failed?.status));
            answers.set(key, got);
          });
        },
      });
    const dir = solutionOf('02');
    const [a, b] = await Promise.all([runWithStream(probe('a'), dir), runWithStream(probe('b'), dir)]);
    for (const [key, r] of [['a', a], ['b', b]] as const) {
      expect(r.ok, r.text).toBe(true);
      wellFormed(r);
      answersFromTheTree(r);
      const during = only(r, 'request').filter((q) => q.expectation === 'answers come from the workers');
      const root = during.filter((q) => q.path === '/');
      // Sequential ones in order; the parallel ones in the order they ended, as the probe kept them.
      expect(root.map((q) => q.pid).slice(0, 6)).toEqual(answers.get(key)!.slice(0, 6));
      expect(root.map((q) => q.pid).slice(6).sort()).toEqual(answers.get(key)!.slice(6).sort());
      expect(root.every((q) => q.status === 200 && q.failure === undefined && q.durationMs >= 0)).toBe(true);
      expect(during.find((q) => q.path === '/no-such-route'), 'a non-2xx answer is a failure of kind status').toMatchObject({ status: 404, failure: 'status' });
      const own = workersOf(r, theProgram(r));
      expect(root.filter((q) => !own.includes(q.pid!)), 'answered by its own workers only').toEqual([]);
    }
    expect(leftovers(dir), 'nothing left once both have ended').toEqual([]);
    const pidsOf = (r: Run): Set<number | undefined> => new Set(only(r, 'request').map((q) => q.pid).filter((p) => p !== undefined));
    expect([...pidsOf(a)].filter((p) => pidsOf(b).has(p)), 'no answer of one run is on the other').toEqual([]);
  });

  it("lesson 02's solution: two worker pids take turns", async () => {
    const r = await checkWithStream('02', solutionOf('02'));
    expect(r.ok, r.text).toBe(true);
    wellFormed(r);
    answersFromTheTree(r);
    const program = theProgram(r);
    const workers = workersOf(r, program);
    expect(workers, 'two workers forked by the primary').toHaveLength(2);
    const turns = only(r, 'request').filter((q) => q.expectation?.startsWith('GET / is answered by two different workers') && q.pid !== undefined).map((q) => q.pid);
    expect(new Set(turns)).toEqual(new Set(workers));
    const switches = turns.filter((p, i) => i > 0 && p !== turns[i - 1]).length;
    expect(switches, `answers ${turns.join(' ')}: the two pids alternate`).toBeGreaterThanOrEqual(turns.length / 4);
    for (const w of workers) expect(turns.filter((p) => p === w).length).toBeGreaterThanOrEqual(turns.length / 4);
    expect(r.leftovers).toEqual([]);
  });

  it("lesson 04's solution: the check's SIGKILL, a gap, the replacement's spawn and its answers", async () => {
    const r = await checkWithStream('04', solutionOf('04'));
    expect(r.ok, r.text).toBe(true);
    wellFormed(r);
    answersFromTheTree(r);
    const server = theProgram(r);
    // The check also kills workers of its crash-loop and reset copies: the SIGKILL this is about is
    // the one sent to a worker of the serving program.
    const kill = only(r, 'signal').find((s) => s.signal === 'SIGKILL' && !s.cleanup && workersOf(r, server).includes(s.pid));
    expect(kill, 'the SIGKILL of a worker of the serving program').toBeDefined();
    const victim = kill!.pid;
    const died = only(r, 'exit').find((e) => e.pid === victim);
    expect(died?.atMs, 'the killed worker ends after the kill').toBeGreaterThanOrEqual(kill!.atMs);
    const replacement = only(r, 'spawn').find((s) => s.tree === server && s.role === 'child' && s.atMs >= kill!.atMs);
    expect(replacement, 'a new worker after the kill').toBeDefined();
    const requests = only(r, 'request');
    const firstAnswer = requests.find((q) => q.pid === replacement!.pid);
    expect(firstAnswer, 'the replacement answers').toBeDefined();
    expect(firstAnswer!.atMs, 'after a gap').toBeGreaterThan(kill!.atMs);
    // Nothing the victim answered was sent after its death; the other worker answered in the gap.
    expect(requests.filter((q) => q.pid === victim && q.atMs - q.durationMs > kill!.atMs + 5)).toEqual([]);
    const inGap = requests.filter((q) => q.atMs - q.durationMs > kill!.atMs + 5 && q.atMs < firstAnswer!.atMs && q.pid !== undefined);
    expect(inGap.length, 'the surviving worker answers while the replacement starts').toBeGreaterThan(0);
    expect(inGap.every((q) => q.pid !== victim && q.pid !== replacement!.pid)).toBe(true);
    expect(r.leftovers).toEqual([]);
  });

  it("lesson 07's solution: old and new workers answer, the old ones exit, SIGHUP and SIGTERM, no failed request", async () => {
    const r = await checkWithStream('07', solutionOf('07'));
    expect(r.ok, r.text).toBe(true);
    wellFormed(r);
    answersFromTheTree(r);
    const primary = theProgram(r);
    const signals = only(r, 'signal').filter((s) => !s.cleanup);
    const hup = signals.find((s) => s.signal === 'SIGHUP' && s.pid === primary);
    const term = signals.find((s) => s.signal === 'SIGTERM' && s.pid === primary);
    expect(hup, 'SIGHUP to the primary').toBeDefined();
    expect(term, 'SIGTERM to the primary').toBeDefined();
    expect(signals.some((s) => s.signal === 'SIGTERM' && s.pid !== primary && workersOf(r, primary).includes(s.pid)), 'SIGTERM to one worker').toBe(true);
    const old = workersOf(r, primary).filter((pid) => only(r, 'spawn').find((s) => s.pid === pid)!.atMs < hup!.atMs);
    const fresh = workersOf(r, primary).filter((pid) => !old.includes(pid));
    expect(old).toHaveLength(2);
    expect(fresh.length).toBeGreaterThanOrEqual(2);
    const requests = only(r, 'request');
    const answered = new Set(requests.map((q) => q.pid));
    expect(old.every((pid) => answered.has(pid)), 'the old workers answered').toBe(true);
    expect(fresh.filter((pid) => answered.has(pid)).length, 'the new workers answer').toBeGreaterThanOrEqual(2);
    for (const pid of old) {
      const exit = only(r, 'exit').find((e) => e.pid === pid);
      expect(exit?.atMs, `old worker ${pid} exits after SIGHUP`).toBeGreaterThan(hup!.atMs);
      expect(exit!.atMs).toBeLessThan(term!.atMs);
    }
    expect(only(r, 'exit').find((e) => e.pid === primary), 'the primary exits 0 after SIGTERM').toMatchObject({ code: 0 });
    // Until it listens the check's GET / is refused; from the first answer on, no request to it fails.
    // (The kill-timer copy, a second program on its own port, is refused until it listens too.)
    const first = requests.findIndex((q) => q.pid !== undefined);
    const port = requests[first]!.port;
    expect(port, 'requests say their port').toBeDefined();
    expect(requests.slice(first).filter((q) => q.port === port && q.failure !== undefined)).toEqual([]);
    expect(r.leftovers).toEqual([]);
  });
});

describe('the timeline of a pm2 check (lesson 06)', () => {
  it("follows the daemon's children: the reload's new instances spawn, the old ones exit, every answer from them, none failed", async () => {
    const r = await checkWithStream('06', solutionOf('06'));
    expect(r.ok, r.text).toBe(true);
    wellFormed(r);
    answersFromTheTree(r);
    const programs = new Set(only(r, 'spawn').filter((s) => s.role === 'program').map((s) => s.pid));
    const instances = only(r, 'spawn').filter((s) => s.role === 'child' && !programs.has(s.tree));
    expect(instances.length, 'pm2 instances: the first ones and their replacements').toBeGreaterThanOrEqual(4);
    const daemon = instances[0]!.tree;
    expect(instances.every((s) => s.tree === daemon && s.ppid === daemon), 'children of one daemon, which is no lane of its own').toBe(true);
    expect(only(r, 'spawn').some((s) => s.pid === daemon)).toBe(false);
    const reload = 'pm2 reload replaces every instance without one failed request';
    const during = r.events.filter((e) => e.expectation?.startsWith(reload));
    expect(during.filter((e) => e.kind === 'spawn').length, 'new instances during the reload').toBeGreaterThanOrEqual(2);
    expect(during.filter((e) => e.kind === 'exit').length, 'old instances exit during the reload').toBeGreaterThanOrEqual(1);
    expect(during.filter((e) => e.kind === 'request' && e.failure !== undefined)).toEqual([]);
    expect(r.leftovers).toEqual([]);
  });
});

describe('the timeline of a failing check', () => {
  it('a crash at start: the program spawns and exits with its code, the verdict is on it, nothing runs', async () => {
    const r = await checkWithStream('01', join(variantsDir, 'broken', 'crash-at-start'));
    expect(r.ok).toBe(false);
    wellFormed(r);
    const program = theProgram(r);
    expect(only(r, 'exit').find((e) => e.pid === program)).toMatchObject({ code: 1, signal: null });
    expect(only(r, 'expectation').at(-1)).toMatchObject({ ok: false });
    expect(r.leftovers).toEqual([]);
  });

  it("a wrong program (lesson 04's primary that exits when a worker dies): its death is on the timeline, nothing runs", async () => {
    const r = await checkWithStream('04', join(variantsDir, '04-restart-on-exit', 'wrong-primary-exits'));
    expect(r.ok).toBe(false);
    wellFormed(r);
    answersFromTheTree(r);
    const server = theProgram(r);
    const exit = only(r, 'exit').find((e) => e.pid === server)!;
    expect(exit.expectation, 'it died while an expectation ran').toBeDefined();
    const cleanup = only(r, 'signal').filter((s) => s.cleanup && s.pid === server);
    expect(cleanup.every((s) => s.atMs >= exit.atMs)).toBe(true);
    expect(r.leftovers).toEqual([]);
  });

  it('a cancelled check (a newer save in watch mode): recorded up to the cancel, then the clean-up, nothing running', async () => {
    const controller = new AbortController();
    const streamed: TimelineEvent[] = [];
    const dir = solutionOf('02');
    const running = checkLesson(lesson('02'), dir, { signal: controller.signal, onEvent: (e) => {
      streamed.push(e);
      // Cancel once both workers have answered: the run is mid-check, with a tree to clean up.
      if (e.kind === 'request' && e.pid !== undefined && new Set(streamed.flatMap((x) => (x.kind === 'request' && x.pid !== undefined ? [x.pid] : []))).size >= 2) controller.abort();
    } });
    const r = finish(await running, streamed, dir);
    expect(r.stoppedEarly).toBe('cancelled');
    expect(r.streamed).toEqual(r.events);
    const program = theProgram(r);
    expect(only(r, 'signal').find((s) => s.cleanup)).toMatchObject({ pid: program, group: true });
    for (const pid of [program, ...workersOf(r, program)]) expect(only(r, 'exit').some((e) => e.pid === pid), `exit of ${pid}`).toBe(true);
    expect(r.leftovers).toEqual([]);
  });

  it('a timeout: the time bound, the clean-up and every exit are on it, then nothing more', async () => {
    const hang = defineCheck({
      timeoutMs: 4000,
      async run(t) {
        const app = await t.start({ env: { WORKERS: '2' }, readyMs: 30_000 });
        await t.expect('waits for ever', '', async () => {
          await app.waitForPids(2, 3000);
          await sleep(60_000);
        });
      },
    });
    const r = await runWithStream(hang, solutionOf('02'));
    expect(r.ok).toBe(false);
    expect(r.stoppedEarly).toBe('time ran out');
    wellFormed(r);
    const ends = only(r, 'expectation');
    expect(ends.at(-1)).toMatchObject({ name: 'the check finishes within 4 s', ok: false });
    const program = theProgram(r);
    expect(only(r, 'signal').find((s) => s.cleanup)).toMatchObject({ pid: program, signal: 'SIGTERM', group: true });
    for (const pid of [program, ...workersOf(r, program)]) expect(only(r, 'exit').some((e) => e.pid === pid), `exit of ${pid}`).toBe(true);
    const after = r.streamed.length;
    await sleep(300);
    expect(r.streamed.length, 'no event after the result').toBe(after);
    expect(r.leftovers).toEqual([]);
  });
});
