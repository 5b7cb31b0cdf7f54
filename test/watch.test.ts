// The watch loop of npm start: a save runs the check, a newer save cancels the running one (and
// its processes), a pass moves on to the next lesson. On a temporary copy of lesson 01.
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lessons, type Lesson } from '../course.ts';
import { checkLesson, type CheckResult } from '../checks/lib/runner.ts';
import { isAlive } from '../checks/lib/index.ts';
import { WorkshopBus, type WorkshopEvent } from '../scripts/bus.ts';
import { LiveStatus } from '../scripts/views/live.ts';
import { WatchLoop, type CheckFn } from '../scripts/watch-loop.ts';
import { openWorkshop, type Workshop } from '../scripts/workshop.ts';
import { solutionOf } from './helpers.ts';
import { fakeResult, processesAbout, sleep, tempLessons, waitFor } from './learner.ts';

let temp: ReturnType<typeof tempLessons>;
let loop: WatchLoop | undefined;
let home: string;
/** The tests' workshop: its state in a temporary folder, its lessons a temporary copy, never the learner's. */
let ws: Workshop;
const stateFile = (): string => join(home, 'state.json');

beforeEach(() => {
  temp = tempLessons();
  home = mkdtempSync(join(tmpdir(), 'workshop-home-'));
  ws = openWorkshop({ WORKSHOP_HOME: home, WORKSHOP_LESSONS_DIR: temp.dir });
});

afterEach(async () => {
  await loop?.close();
  loop = undefined;
  await waitFor('no process left in the temporary lessons', () => processesAbout(temp.dir).length === 0, 3000).catch(() => {});
  expect(processesAbout(temp.dir), 'processes left behind').toEqual([]);
  temp.remove();
  rmSync(home, { recursive: true, force: true });
});

function makeLoop(check: CheckFn, extra: { runAtStart?: boolean; onAllDone?: () => void; debounceMs?: number } = {}) {
  const bus = new WorkshopBus(ws);
  const events: WorkshopEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const out: string[] = [];
  loop = new WatchLoop({ bus, workshop: ws, check, print: (t) => out.push(t), debounceMs: extra.debounceMs ?? 100, runAtStart: extra.runAtStart ?? false, ...(extra.onAllDone ? { onAllDone: extra.onAllDone } : {}) });
  return { loop, bus, events, out };
}

const server = (): string => join(temp.lesson01, 'server.ts');
const kinds = (events: WorkshopEvent[]): string[] => events.map((e) => e.type);

describe('the watch loop', () => {
  it('runs the check when a lesson file is saved, once for a burst of saves, not for the README', async () => {
    const calls: string[] = [];
    const { loop, events } = makeLoop(async (lesson, dir) => {
      calls.push(`${lesson.id} ${dir}`);
      return fakeResult(lesson, false);
    }, { debounceMs: 400 }); // wide: a busy machine may stretch the 10 ms between saves
    await loop.start();
    expect(loop.lesson?.id).toBe('01-single-thread');
    await sleep(300);
    expect(calls, 'nothing runs before a save (runAtStart off)').toEqual([]);

    appendFileSync(server(), '\n// an edit\n');
    await waitFor('the first run', () => calls.length === 1);
    expect(calls[0]).toBe(`01-single-thread ${temp.lesson01}`);

    for (let i = 0; i < 5; i++) {
      appendFileSync(server(), `// edit ${i}\n`);
      await sleep(10);
    }
    await waitFor('the second run', () => calls.length === 2);
    await sleep(500);
    expect(calls, 'five quick saves make one run').toHaveLength(2);

    writeFileSync(join(temp.lesson01, 'README.md'), '# notes\n');
    writeFileSync(join(temp.lesson01, 'server.ts.swp'), 'editor junk');
    await sleep(500);
    expect(calls, 'the README and editor files are not the learner\'s code').toHaveLength(2);
    expect(kinds(events)).toEqual(['progress', 'check-started', 'check-finished', 'check-started', 'check-finished']);
  });

  it('cancels a running check when a newer save arrives, and starts the new run only after the old one ended', async () => {
    const signals: AbortSignal[] = [];
    let firstEnded = false;
    let secondStartedAfterFirstEnded: boolean | undefined;
    const { loop, events, out } = makeLoop((lesson, _dir, { signal }) => {
      signals.push(signal);
      if (signals.length === 1) {
        // A long check that only ends when cancelled (the real one then kills its processes).
        return new Promise<CheckResult>((resolve) => {
          signal.addEventListener('abort', () =>
            setTimeout(() => {
              firstEnded = true;
              resolve(fakeResult(lesson, false, 'cancelled'));
            }, 100),
          );
        });
      }
      secondStartedAfterFirstEnded = firstEnded;
      return Promise.resolve(fakeResult(lesson, false));
    });
    await loop.start();
    appendFileSync(server(), '\n// save 1\n');
    await waitFor('the first run', () => signals.length === 1);
    await sleep(200);
    expect(signals[0]?.aborted).toBe(false);

    appendFileSync(server(), '// save 2\n');
    await waitFor('the second run', () => signals.length === 2);
    expect(signals[0]?.aborted, 'the first run was cancelled').toBe(true);
    expect(secondStartedAfterFirstEnded, 'the new run waited for the old one to clean up').toBe(true);
    await loop.idle();
    expect(kinds(events), 'a cancelled run reports no result').toEqual(['progress', 'check-started', 'check-started', 'check-finished']);
    expect(out.join('\n')).toContain('stopped: a newer run replaces it');
  });

  it('passes the running check\'s timeline to the bus and the terminal as it is recorded, not after', async () => {
    const lines: string[] = [];
    const live = new LiveStatus({ tty: false, write: (t) => lines.push(t) });
    const bus = new WorkshopBus(ws);
    const events: WorkshopEvent[] = [];
    bus.subscribe((e) => events.push(e));
    let seenDuring: number | undefined;
    loop = new WatchLoop({
      bus,
      workshop: ws,
      live,
      print: () => {},
      runAtStart: false,
      check: async (lesson, _dir, { onEvent }) => {
        onEvent?.({ atMs: 0, kind: 'expectation', name: 'the first one' });
        onEvent?.({ atMs: 5, kind: 'spawn', pid: 4242, tree: 4242, role: 'program', expectation: 'the first one' });
        seenDuring = events.filter((e) => e.type === 'check-event').length;
        expect(bus.live).toHaveLength(2); // a page joining now gets them
        return fakeResult(lesson, false);
      },
    });
    await loop.start();
    await loop.runNow('test');
    expect(seenDuring).toBe(2);
    expect(kinds(events)).toEqual(['progress', 'check-started', 'check-event', 'check-event', 'check-finished']);
    expect(events[3]).toMatchObject({ type: 'check-event', lesson: '01-single-thread', event: { kind: 'spawn', pid: 4242 } });
    expect(bus.live).toEqual([]);
    expect(lines).toEqual(['  [ 0.00 s] the first one…\n']);
  });

  it('records a pass and moves on to the next lesson, watching its files', async () => {
    mkdirSync(join(temp.dir, '02-cluster-fork'));
    const calls: string[] = [];
    const { loop, events, out } = makeLoop(async (lesson) => {
      calls.push(lesson.id);
      return fakeResult(lesson, lesson.id === '01-single-thread');
    }, { runAtStart: true });
    await loop.start();
    await waitFor('the move to lesson 02', () => loop.lesson?.id === '02-cluster-fork');
    expect(JSON.parse(readFileSync(stateFile(), 'utf8')).passed).toEqual(['01-single-thread']);
    expect(events.at(-1)).toEqual({ type: 'progress', passed: ['01-single-thread'], current: '02-cluster-fork' });
    const said = out.join('\n');
    expect(said).toContain('✓ 01-single-thread passed');
    expect(said).toMatch(/✓ 01-single-thread[\s\S]*▶ 02-cluster-fork/);
    expect(said).toContain(`1 of ${lessons.length} done`);

    await loop.idle();
    appendFileSync(server(), '\n// lesson 01 is done: no longer watched\n');
    await sleep(400);
    expect(calls).toEqual(['01-single-thread']);
    writeFileSync(join(temp.dir, '02-cluster-fork', 'server.ts'), '// lesson 02\n');
    await waitFor('a run of lesson 02', () => calls.length === 2);
    expect(calls).toEqual(['01-single-thread', '02-cluster-fork']);
  });

  it('says so and stops when the last lesson passes', async () => {
    const allButLast = lessons.slice(0, -1).map((l) => l.id);
    writeFileSync(stateFile(), JSON.stringify({ passed: allButLast, hintsSeen: {} }));
    ws = openWorkshop({ WORKSHOP_HOME: home, WORKSHOP_LESSONS_DIR: temp.dir });
    const last = lessons.at(-1) as Lesson;
    mkdirSync(join(temp.dir, last.id));
    let done = false;
    const { loop, out } = makeLoop(async (lesson) => fakeResult(lesson, true), { runAtStart: true, onAllDone: () => (done = true) });
    await loop.start();
    expect(loop.lesson?.id).toBe(last.id);
    await waitFor('the end of the course', () => done);
    expect(loop.lesson).toBeUndefined();
    expect(out.join('\n')).toContain('finished the workshop');
  });
});

describe('the watch loop with the real check', () => {
  it('a newer save stops the running check and kills its processes; close() leaves nothing running', async () => {
    writeFileSync(server(), readFileSync(join(solutionOf('01'), 'server.ts')));
    const { loop, events, bus } = makeLoop(checkLesson, { runAtStart: true });
    await loop.start();
    // The learner's server is up (its command line names the folder): the check is in the middle of its work.
    await waitFor('the learner\'s server to run', () => processesAbout(temp.lesson01).some((p) => p.what.includes('server.ts') && !p.what.includes('tsc')), 20_000);
    const firstRun = processesAbout(temp.lesson01).map((p) => p.pid);
    let aliveWhenSecondStarted: number[] | undefined;
    bus.subscribe((e) => {
      if (e.type === 'check-started' && aliveWhenSecondStarted === undefined) aliveWhenSecondStarted = firstRun.filter(isAlive);
    });
    appendFileSync(server(), '\n// a newer save\n');
    await waitFor('the second run', () => kinds(events).filter((k) => k === 'check-started').length === 2, 10_000);
    await waitFor('the second verdict', () => kinds(events).includes('check-finished'), 60_000);
    const finished = events.filter((e): e is Extract<WorkshopEvent, { type: 'check-finished' }> => e.type === 'check-finished');
    expect(finished, 'only the newer run reports').toHaveLength(1);
    expect(finished[0]?.result.stoppedEarly, JSON.stringify(finished[0]?.result, null, 2)).not.toBe('cancelled');
    expect(aliveWhenSecondStarted, 'the first run\'s processes were gone before the second began').toEqual([]);

    await loop.idle();
    expect(processesAbout(temp.dir)).toEqual([]);
  });

  it('close() during a run kills the learner\'s program and the compiler at once', async () => {
    writeFileSync(server(), readFileSync(join(solutionOf('01'), 'server.ts')));
    const { loop } = makeLoop(checkLesson, { runAtStart: true });
    await loop.start();
    await waitFor('the learner\'s server or tsc to run', () => processesAbout(temp.lesson01).length > 0, 20_000);
    await loop.close();
    await waitFor('every process to be gone', () => processesAbout(temp.dir).length === 0, 1500);
  });
});
