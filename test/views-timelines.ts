// Synthetic timelines shaped like the real runs of lessons 02, 04 and 07 (pids, order and spacing
// as the recording gives them), for the view's tests: the views must not need a real check to be tested.
import type { CheckResult, TimelineEvent } from '../checks/lib/types.ts';

type E = TimelineEvent;

function requests(from: number, to: number, every: number, pidAt: (atMs: number, i: number) => number | undefined, expectation: string): E[] {
  const out: E[] = [];
  for (let at = from, i = 0; at <= to; at += every, i++) {
    const pid = pidAt(at, i);
    out.push(pid === undefined
      ? { atMs: at, kind: 'request', path: '/', failure: 'reset', durationMs: 3, expectation }
      : { atMs: at, kind: 'request', path: '/', pid, status: 200, durationMs: 2, expectation });
  }
  return out;
}

const sorted = (events: E[]): E[] => events.sort((a, b) => a.atMs - b.atMs);

/** Lesson 02: a primary, two workers, requests answered by the two pids in turn. */
export function lesson02(): E[] {
  const start = 'server.ts starts and answers GET / on PORT';
  const turns = 'both workers answer';
  return sorted([
    { atMs: 0, kind: 'expectation', name: 'the TypeScript compiles' },
    { atMs: 900, kind: 'expectation', name: 'the TypeScript compiles', ok: true },
    { atMs: 900, kind: 'expectation', name: start },
    { atMs: 910, kind: 'spawn', pid: 41001, tree: 41001, role: 'program', expectation: start },
    { atMs: 1400, kind: 'spawn', pid: 41012, tree: 41001, ppid: 41001, role: 'child', expectation: start },
    { atMs: 1420, kind: 'spawn', pid: 41013, tree: 41001, ppid: 41001, role: 'child', expectation: start },
    { atMs: 1900, kind: 'request', path: '/', pid: 41012, status: 200, durationMs: 4, expectation: start },
    { atMs: 1905, kind: 'expectation', name: start, ok: true },
    { atMs: 1905, kind: 'expectation', name: turns },
    ...requests(1910, 3400, 25, (_, i) => (i % 2 ? 41013 : 41012), turns),
    { atMs: 3420, kind: 'expectation', name: turns, ok: true },
    { atMs: 3430, kind: 'signal', pid: 41001, signal: 'SIGTERM', group: true, cleanup: true }, // the harness ending it
    { atMs: 3480, kind: 'exit', pid: 41012, tree: 41001 },
    { atMs: 3481, kind: 'exit', pid: 41013, tree: 41001 },
    { atMs: 3500, kind: 'exit', pid: 41001, tree: 41001, code: 0, signal: null },
  ]);
}

/** Lesson 04: a worker SIGKILLed by the check, one failed request, a gap, then its replacement answering. */
export function lesson04(): E[] {
  const kill = 'a worker killed with SIGKILL is replaced';
  return sorted([
    { atMs: 0, kind: 'spawn', pid: 52001, tree: 52001, role: 'program' },
    { atMs: 400, kind: 'spawn', pid: 52010, tree: 52001, ppid: 52001, role: 'child' },
    { atMs: 420, kind: 'spawn', pid: 52011, tree: 52001, ppid: 52001, role: 'child' },
    { atMs: 1000, kind: 'expectation', name: kill },
    ...requests(1000, 2990, 40, (_, i) => (i % 2 ? 52011 : 52010), kill),
    { atMs: 3000, kind: 'signal', pid: 52010, signal: 'SIGKILL', expectation: kill },
    { atMs: 3004, kind: 'exit', pid: 52010, tree: 52001, expectation: kill },
    { atMs: 3006, kind: 'request', path: '/', failure: 'reset', durationMs: 2, expectation: kill },
    ...requests(3050, 3500, 50, () => 52011, kill),
    { atMs: 3600, kind: 'spawn', pid: 52030, tree: 52001, ppid: 52001, role: 'child', expectation: kill },
    ...requests(4000, 5500, 40, (_, i) => (i % 2 ? 52011 : 52030), kill),
    { atMs: 5510, kind: 'expectation', name: kill, ok: true },
    { atMs: 5600, kind: 'signal', pid: 52001, signal: 'SIGTERM', group: true, cleanup: true },
    { atMs: 5650, kind: 'exit', pid: 52011, tree: 52001 },
    { atMs: 5651, kind: 'exit', pid: 52030, tree: 52001 },
    { atMs: 5700, kind: 'exit', pid: 52001, tree: 52001, code: 0, signal: null },
  ]);
}

/** Lesson 07: a rolling restart on SIGHUP (new pids up before the old leave), no failed request, then SIGTERM. */
export function lesson07(): E[] {
  const roll = 'SIGHUP replaces every worker with no failed request';
  const stop = 'SIGTERM: the primary exits 0 after its workers';
  const olds = [63010, 63011];
  const news = [63020, 63021];
  return sorted([
    { atMs: 0, kind: 'spawn', pid: 63001, tree: 63001, role: 'program' },
    { atMs: 500, kind: 'spawn', pid: olds[0] ?? 0, tree: 63001, ppid: 63001, role: 'child' },
    { atMs: 520, kind: 'spawn', pid: olds[1] ?? 0, tree: 63001, ppid: 63001, role: 'child' },
    { atMs: 2000, kind: 'expectation', name: roll },
    ...requests(2000, 8000, 30, (at, i) => {
      if (at < 4600) return olds[i % 2];
      if (at < 5400) return i % 2 ? olds[1] : news[0];
      return news[i % 2];
    }, roll),
    { atMs: 3000, kind: 'signal', pid: 63001, signal: 'SIGHUP', expectation: roll },
    { atMs: 3900, kind: 'spawn', pid: news[0] ?? 0, tree: 63001, ppid: 63001, role: 'child', expectation: roll },
    { atMs: 4600, kind: 'exit', pid: olds[0] ?? 0, tree: 63001, expectation: roll },
    { atMs: 4700, kind: 'spawn', pid: news[1] ?? 0, tree: 63001, ppid: 63001, role: 'child', expectation: roll },
    { atMs: 5400, kind: 'exit', pid: olds[1] ?? 0, tree: 63001, expectation: roll },
    { atMs: 8010, kind: 'expectation', name: roll, ok: true },
    { atMs: 8020, kind: 'expectation', name: stop },
    { atMs: 8030, kind: 'signal', pid: 63001, signal: 'SIGTERM', expectation: stop },
    { atMs: 8300, kind: 'exit', pid: news[0] ?? 0, tree: 63001, expectation: stop },
    { atMs: 8310, kind: 'exit', pid: news[1] ?? 0, tree: 63001, expectation: stop },
    { atMs: 8400, kind: 'exit', pid: 63001, tree: 63001, code: 0, signal: null, expectation: stop },
    { atMs: 8410, kind: 'expectation', name: stop, ok: true },
  ]);
}

export function resultWith(id: string, timeline: E[], failed?: { name: string }): CheckResult {
  const names = [...new Set(timeline.flatMap((e) => (e.kind === 'expectation' ? [e.name] : [])))];
  return {
    lesson: { id, title: `lesson ${id}` },
    dir: `lessons/${id}`,
    ok: failed === undefined,
    expectations: names.map((name) =>
      name === failed?.name ? { name, ok: false, expected: 'it to hold', seen: 'it did not', hint: 'fix it', durationMs: 10 } : { name, ok: true, durationMs: 10 },
    ),
    timeline,
    durationMs: (timeline.at(-1)?.atMs ?? 0) + 50,
  };
}
