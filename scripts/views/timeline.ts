// A check's timeline as the learner sees it (issue #15). `timelineModel` decides once what is shown
// (one lane per pid with its role, what happened on it and when); the terminal chart
// (`formatTimeline`) and the page's SVG (`timelineSvg`) only paint that model, so both faces show
// the same run the same way.
import type { CheckResult, TimelineEvent } from '../../checks/lib/types.ts';
import { createColors } from 'picocolors';
import { pc as terminalColors } from './colors.ts';

export type LaneRole = 'program' | 'primary' | 'worker' | 'new worker' | 'instance' | 'new instance' | 'pid' | 'no answer';


export interface Lane {
  /** The pid; absent for the lane of requests no process answered. */
  readonly pid: number | undefined;
  readonly role: LaneRole;
  /** "worker 4107", "no answer": what the lane is called on both faces. */
  readonly label: string;
  readonly bornMs: number | undefined;
  readonly endedMs: number | undefined;
  /** How it ended, when the harness knows ("code 0", "SIGKILL"). */
  readonly ended: string | undefined;
  readonly answered: number;
  readonly failed: number;
  /** Requests refused: nothing listened on the port (not counted as failed). */
  readonly refused: number;
}

/** `refused`: nothing listened on the port of a program the check is stopping, as expected (grey). */
export type MarkKind = 'answered' | 'refused' | 'failed' | 'born' | 'ended' | 'signal';

export interface Mark {
  /** Index into `lanes`. */
  readonly lane: number;
  readonly atMs: number;
  readonly kind: MarkKind;
  /** One sentence for a tooltip: what happened, to whom, when. */
  readonly text: string;
  /** For a signal: its name (SIGKILL). */
  readonly signal?: string;
  /** A signal of the harness's clean-up (ending a program), not part of what the lesson shows. */
  readonly cleanup?: boolean;
  /** An answer that stands for this many (the recording thins a very long run). */
  readonly count?: number;
  /** A request: when it was sent (`atMs` is when it ended, or for a failure, when it was sent too). */
  readonly sentMs?: number;
  /** A failed request: when the check gave up on it. */
  readonly endMs?: number;
}

export interface Span {
  readonly name: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly ok: boolean | undefined;
}

export interface TimelineModel {
  readonly fromMs: number;
  readonly toMs: number;
  readonly lanes: readonly Lane[];
  readonly marks: readonly Mark[];
  /** The expectations, each with the time it ran. */
  readonly spans: readonly Span[];
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;

function exitText(e: { readonly code?: number | null; readonly signal?: string | null }): string | undefined {
  if (e.signal) return `by ${e.signal}`;
  if (e.code !== undefined && e.code !== null) return `code ${e.code}`;
  return undefined;
}

function failureText(e: Extract<TimelineEvent, { kind: 'request' }>): string {
  switch (e.failure) {
    case 'status':
      return `status ${e.status ?? '?'}`;
    case 'timeout':
      return `no answer in ${seconds(e.durationMs)}`;
    case 'reset':
      return 'connection reset';
    case 'refused':
      return 'connection refused';
    default:
      return 'failed';
  }
}

/**
 * The picture of a timeline between `fromMs` and `toMs` (default: all of it). Lanes are the
 * processes alive in that window or with something on them, in the order they appeared.
 */
/** `about`: draw only the lanes of these programs' trees (and the failed requests). */
export function timelineModel(events: readonly TimelineEvent[], opts: { fromMs?: number; toMs?: number; about?: readonly number[] } = {}): TimelineModel {
  const last = events.reduce((m, e) => Math.max(m, e.atMs), 0);
  const fromMs = opts.fromMs ?? 0;
  const toMs = Math.max(opts.toMs ?? last, fromMs + 1);

  interface Building {
    pid: number | undefined;
    role: LaneRole;
    /** The started program (or pm2 daemon) whose tree it is in: lanes of one tree stay together. */
    tree: number | undefined;
    firstMs: number;
    bornMs: number | undefined;
    endedMs: number | undefined;
    ended: string | undefined;
    answered: number;
    failed: number;
    refused: number;
  }
  const byPid = new Map<number, Building>();
  const lane = (pid: number, atMs: number): Building => {
    let b = byPid.get(pid);
    if (!b) {
      b = { pid, role: 'pid', tree: undefined, firstMs: atMs, bornMs: undefined, endedMs: undefined, ended: undefined, answered: 0, failed: 0, refused: 0 };
      byPid.set(pid, b);
    }
    return b;
  };
  const programs = new Set<number>();
  const parents = new Set<number>();
  const helpers = helperPids(events);
  /** Trees that answered, or in which a process ended or the check sent a signal: a child born there later is new. */
  const shaken = new Set<number>();
  const treeOf = (pid: number): number => byPid.get(pid)?.tree ?? pid;

  // The whole run decides roles (a worker born before the window is still a worker).
  for (const e of events) {
    if ((e.kind === 'spawn' || e.kind === 'exit') && helpers.has(e.pid)) continue;
    if (e.kind === 'spawn') {
      const b = lane(e.pid, e.atMs);
      b.bornMs = e.atMs;
      b.tree = e.tree;
      if (e.role === 'program') {
        b.role = 'program';
        programs.add(e.pid);
      } else {
        // Below a program the check started: workers; below pm2's daemon: its instances.
        const worker = programs.has(e.tree) || (e.ppid !== undefined && programs.has(e.ppid));
        b.role = shaken.has(e.tree) ? (worker ? 'new worker' : 'new instance') : worker ? 'worker' : 'instance';
        if (e.ppid !== undefined) parents.add(e.ppid);
      }
    } else if (e.kind === 'exit') {
      const b = lane(e.pid, e.atMs);
      b.endedMs = e.atMs;
      b.ended = exitText(e);
      shaken.add(treeOf(e.pid));
    } else if (e.kind === 'signal' && !e.cleanup) {
      shaken.add(treeOf(e.pid));
    } else if (e.kind === 'request' && e.pid !== undefined) {
      // A tree that has served: a child born in it from now on joins (or replaces) a working set.
      const b = lane(e.pid, e.atMs);
      if (!e.failure && b.tree !== undefined) shaken.add(b.tree);
    }
  }
  for (const b of byPid.values()) if (b.role === 'program' && b.pid !== undefined && parents.has(b.pid)) b.role = 'primary';

  const inWindow = (atMs: number): boolean => atMs >= fromMs && atMs <= toMs;
  const noAnswer: Building = { pid: undefined, role: 'no answer', tree: undefined, firstMs: Infinity, bornMs: undefined, endedMs: undefined, ended: undefined, answered: 0, failed: 0, refused: 0 };

  interface Pending {
    lane: Building;
    atMs: number;
    kind: MarkKind;
    text: string;
    signal?: string;
    cleanup?: boolean;
    count?: number;
    sentMs?: number;
    endMs?: number;
  }
  const pending: Pending[] = [];
  const { poll: polls, expected } = refusals(events);
  const mine = aboutRequest(events, opts.about);
  for (const e of events) {
    if (!inWindow(e.atMs) || polls.has(e) || ((e.kind === 'spawn' || e.kind === 'exit') && helpers.has(e.pid))) continue;
    if (e.kind === 'request' && !mine(e)) continue;
    const at = seconds(e.atMs);
    if (e.kind === 'request') {
      // An answer without a pid in its body (/stats, /message) says nothing about processes.
      if (!e.failure && e.pid === undefined) continue;
      const method = e.method ?? 'GET';
      const b = e.pid !== undefined ? lane(e.pid, e.atMs) : noAnswer;
      const count = e.count ?? 1;
      if (e.failure) {
        const refused = expected.has(e);
        if (refused) b.refused++;
        else b.failed++;
        if (b === noAnswer) noAnswer.firstMs = Math.min(noAnswer.firstMs, e.atMs);
        // A failure shows where the request went out (into the gap), not where the check gave up on it.
        const sent = Math.max(0, e.atMs - e.durationMs);
        pending.push({ lane: b, atMs: sent, kind: refused ? 'refused' : 'failed', text: `${seconds(sent)}: ${method} ${e.path} failed: ${failureText(e)}${e.pid !== undefined ? ` (pid ${e.pid})` : ''}`, sentMs: sent, endMs: e.atMs });
      } else {
        b.answered += count;
        const text = `${at}: ${method} ${e.path} answered by pid ${e.pid ?? '?'} (${e.status ?? '?'}, ${Math.round(e.durationMs)} ms)${count > 1 ? `, the last of ${count}` : ''}`;
        // An answer read just after its process ended (it sent it, then left): drawn at the end, not past it.
        const atMs = b.endedMs !== undefined && e.atMs > b.endedMs ? b.endedMs : e.atMs;
        pending.push({ lane: b, atMs, kind: 'answered', text, count, sentMs: e.atMs - e.durationMs });
      }
    } else if (e.kind === 'spawn') {
      const b = lane(e.pid, e.atMs);
      const command = e.command;
      pending.push({ lane: b, atMs: e.atMs, kind: 'born', text: `${at}: ${b.role} ${e.pid} started${e.ppid !== undefined && e.role === 'child' ? ` by ${e.ppid}` : ''}${command ? `: ${command}` : ''}` });
    } else if (e.kind === 'exit') {
      const b = lane(e.pid, e.atMs);
      pending.push({ lane: b, atMs: e.atMs, kind: 'ended', text: `${at}: ${b.role} ${e.pid} ended${b.ended ? ` ${b.ended}` : ''}` });
    } else if (e.kind === 'signal') {
      const b = lane(e.pid, e.atMs);
      const cleanup = e.cleanup === true;
      const to = `${e.group ? 'the process group of ' : ''}${b.role} ${e.pid}`;
      const text = cleanup ? `${at}: the check ended ${to} with ${e.signal} (clean-up)` : `${at}: the check sent ${e.signal} to ${to}`;
      pending.push({ lane: b, atMs: e.atMs, kind: 'signal', signal: e.signal, text, ...(cleanup ? { cleanup } : {}) });
    }
  }

  // A lane shows when its process lived during the window or something happened on it there.
  const marked = new Set(pending.map((p) => p.lane));
  const about = opts.about;
  const shown = [...byPid.values()]
    .filter((b) => marked.has(b) || ((b.bornMs ?? Infinity) <= toMs && (b.endedMs ?? Infinity) >= fromMs))
    .filter((b) => about === undefined || about.includes(b.tree ?? b.pid ?? -1))
    .sort((a, b) => {
      const ta = byPid.get(a.tree ?? -1)?.firstMs ?? a.firstMs;
      const tb = byPid.get(b.tree ?? -1)?.firstMs ?? b.firstMs;
      return ta - tb || a.firstMs - b.firstMs;
    });
  if (noAnswer.failed + noAnswer.refused > 0) shown.push(noAnswer);
  const index = new Map(shown.map((b, i) => [b, i]));
  const lanes: Lane[] = shown.map((b) => ({
    pid: b.pid,
    role: b.role,
    label: b.pid === undefined ? 'no answer' : `${b.role} ${b.pid}`,
    bornMs: b.bornMs,
    endedMs: b.endedMs,
    ended: b.ended,
    answered: b.answered,
    failed: b.failed,
    refused: b.refused,
  }));
  const marks: Mark[] = pending.flatMap((p) => (index.has(p.lane) ? [p] : [])).map((p) => ({ lane: index.get(p.lane) ?? 0, atMs: p.atMs, kind: p.kind, text: p.text, ...(p.signal ? { signal: p.signal } : {}), ...(p.cleanup ? { cleanup: true } : {}), ...(p.count && p.count > 1 ? { count: p.count } : {}), ...(p.sentMs !== undefined ? { sentMs: p.sentMs } : {}), ...(p.endMs !== undefined ? { endMs: p.endMs } : {}) }));

  const spans: Span[] = [];
  const open = new Map<string, number>();
  for (const e of events) {
    if (e.kind !== 'expectation') continue;
    if (e.ok === undefined) open.set(e.name, e.atMs);
    else {
      const start = open.get(e.name) ?? e.atMs;
      open.delete(e.name);
      if (e.atMs >= fromMs && start <= toMs) spans.push({ name: e.name, fromMs: Math.max(start, fromMs), toMs: Math.min(e.atMs, toMs), ok: e.ok });
    }
  }
  for (const [name, start] of open) if (start <= toMs) spans.push({ name, fromMs: Math.max(start, fromMs), toMs, ok: undefined });
  spans.sort((a, b) => a.fromMs - b.fromMs);

  return { fromMs, toMs, lanes, marks, spans };
}

/**
 * The run in parts, one per stretch of time in which programs the check started were running
 * together: lesson 04 starts three in turn (the server, a crash loop, a copy that backs off), each
 * a story of its own; lesson 09's two hosts run at once, one story. One part when nothing splits.
 */
export function timelineParts(r: CheckResult): { readonly title: string; readonly model: TimelineModel }[] {
  const events = r.timeline ?? [];
  if (events.length === 0) return [];
  const end = Math.max(r.durationMs, events.at(-1)?.atMs ?? 0);
  const spans: { fromMs: number; toMs: number; pids: number[] }[] = [];
  for (const e of events) {
    if (e.kind !== 'spawn' || e.role !== 'program') continue;
    const exit = events.find((x) => x.kind === 'exit' && x.pid === e.pid && x.atMs >= e.atMs);
    const toMs = exit?.atMs ?? end;
    const last = spans.at(-1);
    if (last && e.atMs <= last.toMs) {
      last.toMs = Math.max(last.toMs, toMs);
      last.pids.push(e.pid);
    } else spans.push({ fromMs: e.atMs, toMs, pids: [e.pid] });
  }
  if (spans.length <= 1) return [{ title: 'timeline', model: timelineModel(events, { fromMs: 0, toMs: end }) }];
  return spans.map((sp, i) => {
    // The first part starts with the check; each part runs on to where the next one begins.
    const fromMs = i === 0 ? 0 : sp.fromMs;
    const toMs = i === spans.length - 1 ? end : Math.max(sp.toMs, (spans[i + 1]?.fromMs ?? end) - 1);
    const who = sp.pids.length === 1 ? `program ${sp.pids[0]}` : `programs ${sp.pids.join(', ')}`;
    return { title: `part ${i + 1} of ${spans.length}, ${who}:`, model: timelineModel(events, { fromMs, toMs }) };
  });
}

/**
 * How to read a refused connection (nothing listening). `poll`: the check knocking until a program
 * listens (a program it started has not answered yet, or none is alive and nothing has answered
 * since the last one ended: pm2 starting its instances); not shown. `expected`: a program the check is stopping (SIGINT, SIGTERM…) no longer
 * listens, as it should; grey. Any other refusal is a failure.
 */
function refusals(events: readonly TimelineEvent[]): { poll: ReadonlySet<TimelineEvent>; expected: ReadonlySet<TimelineEvent> } {
  const poll = new Set<TimelineEvent>();
  const expected = new Set<TimelineEvent>();
  const treeOf = new Map<number, number>();
  const programs = new Set<number>(); // alive
  const served = new Set<number>(); // trees that answered
  const stopping = new Set<number>(); // programs sent a signal that ends them
  let servedSince = false; // an answer since the last started program ended (pm2's instances serving)
  for (const e of events) {
    if (e.kind === 'spawn') {
      treeOf.set(e.pid, e.tree);
      if (e.role === 'program') programs.add(e.pid);
    } else if (e.kind === 'exit') {
      if (programs.delete(e.pid)) servedSince = false;
      stopping.delete(e.pid);
    } else if (e.kind === 'signal' && /^SIG(INT|TERM|KILL|QUIT)$/.test(e.signal) && programs.has(treeOf.get(e.pid) ?? e.pid)) {
      stopping.add(treeOf.get(e.pid) ?? e.pid);
    } else if (e.kind === 'request') {
      if (!e.failure && e.pid !== undefined) {
        served.add(treeOf.get(e.pid) ?? e.pid);
        servedSince = true;
      }
      if (e.failure !== 'refused') continue;
      if ((programs.size === 0 && !servedSince) || [...programs].some((p) => !served.has(p))) poll.add(e);
      else if (stopping.size > 0) expected.add(e);
    }
  }
  return { poll, expected };
}

/**
 * Short-lived helpers below the learner's program that are none of its processes: pm2's daemon
 * runs `ps` and `sh -c getconf PAGESIZE` now and then. A process whose command line is known and
 * is not node (nor pm2's retitled node) is left out.
 */
function helperPids(events: readonly TimelineEvent[]): ReadonlySet<number> {
  const out = new Set<number>();
  for (const e of events) {
    if (e.kind === 'spawn' && e.role === 'child' && e.command !== undefined && !/node|pm2|tsx|bun|deno/i.test(e.command)) out.add(e.pid);
  }
  // Their own children (the shell's getconf) go with them.
  for (const e of events) if (e.kind === 'spawn' && e.ppid !== undefined && out.has(e.ppid)) out.add(e.pid);
  // Below pm2's daemon (not a program the check started), a process already gone when first seen,
  // whose command line could not be read, is one more such helper: no instance dies unseen there.
  const programs = new Set(events.flatMap((e) => (e.kind === 'spawn' && e.role === 'program' ? [e.pid] : [])));
  const bornDead = new Set(events.flatMap((e) => (e.kind === 'exit' ? [`${e.pid}@${e.atMs}`] : [])));
  for (const e of events) {
    if (e.kind === 'spawn' && e.role === 'child' && e.command === undefined && !programs.has(e.tree) && bornDead.has(`${e.pid}@${e.atMs}`)) out.add(e.pid);
  }
  return out;
}

/**
 * With `about`, whether a request went to one of those programs: by the port each program was
 * started with (a copy run beside them answers on its own). A request to a port no program was
 * given (nginx's, pm2's) counts as theirs.
 */
function aboutRequest(events: readonly TimelineEvent[], about: readonly number[] | undefined): (e: Extract<TimelineEvent, { kind: 'request' }>) => boolean {
  if (about === undefined) return () => true;
  const treeOfPort = new Map(events.flatMap((e) => (e.kind === 'spawn' && e.role === 'program' && e.port !== undefined ? [[e.port, e.tree] as const] : [])));
  return (e) => {
    const tree = e.port === undefined ? undefined : treeOfPort.get(e.port);
    return tree === undefined || about.includes(tree);
  };
}

/** The model of a whole check: its timeline over its whole duration. */
export function resultTimeline(r: CheckResult): TimelineModel | undefined {
  if (!r.timeline || r.timeline.length === 0) return undefined;
  return timelineModel(r.timeline, { fromMs: 0, toMs: Math.max(r.durationMs, r.timeline.at(-1)?.atMs ?? 0) });
}

/**
 * The window of a failed expectation, when processes are part of the story: a worker was born,
 * something ended or the check sent a signal during it, or a request failed. Then the chart of that window explains the ✗
 * better than the whole run does; otherwise (a wrong status, a type error) there is nothing to see.
 */
export function failureWindow(events: readonly TimelineEvent[], name: string): { fromMs: number; toMs: number; about?: readonly number[] } | undefined {
  // Each expectation's time: from its start event to its end event.
  const spans: { name: string; fromMs: number; toMs: number | undefined; about?: readonly number[] }[] = [];
  for (const e of events) {
    if (e.kind !== 'expectation') continue;
    if (e.ok === undefined) spans.push({ name: e.name, fromMs: e.atMs, toMs: undefined, ...(e.about ? { about: e.about } : {}) });
    else {
      const open = spans.findLast((sp) => sp.name === e.name && sp.toMs === undefined);
      if (open) open.toMs = e.atMs;
      else spans.push({ name: e.name, fromMs: e.atMs, toMs: e.atMs });
    }
  }
  const i = spans.findIndex((sp) => sp.name === name);
  const own = spans[i];
  if (!own) return undefined;
  const end = own.toMs ?? events.at(-1)?.atMs ?? own.fromMs;
  // The program's own start and the polling until it listens are in every check: not a story.
  const { poll: polls, expected } = refusals(events);
  // About some programs only: what happens in the others' trees is not this story.
  const treeOf = new Map(events.flatMap((e) => (e.kind === 'spawn' ? [[e.pid, e.tree] as const] : [])));
  const about = own.about;
  const mine = aboutRequest(events, about);
  const theirs = (e: TimelineEvent): boolean =>
    about === undefined || (e.kind === 'request' ? mine(e) : about.includes((e.kind === 'spawn' || e.kind === 'exit' ? e.tree : undefined) ?? (e.kind === 'signal' ? treeOf.get(e.pid) : undefined) ?? -1));
  const failedRequest = (e: TimelineEvent): boolean => e.kind === 'request' && e.failure !== undefined && !polls.has(e) && !expected.has(e);
  const involved = (fromMs: number, toMs: number): boolean =>
    events.some(
      (e) => e.atMs >= fromMs && e.atMs <= toMs && theirs(e) && ((e.kind === 'spawn' && e.role === 'child') || e.kind === 'exit' || (e.kind === 'signal' && !e.cleanup) || failedRequest(e)),
    );
  /** The check acted in it: it sent a signal (SIGHUP, SIGTERM, SIGKILL…), the start of a story. */
  const acted = (fromMs: number, toMs: number): boolean => events.some((e) => e.atMs >= fromMs && e.atMs <= toMs && theirs(e) && e.kind === 'signal' && !e.cleanup);
  const scope = about ? { about } : {};
  // A long line looked at processes itself; so did a short one that sent requests of its own (it
  // judged their answers: looking back drew lesson 01's pause line, SIGSTOP and SIGCONT, under a
  // wrong fib result). Their own time is the story, or there is none.
  const asked = events.some((e) => e.kind === 'request' && e.expectation === name && e.atMs >= own.fromMs && e.atMs <= end);
  if (end - own.fromMs > 100 || asked) return involved(own.fromMs, end) ? { fromMs: own.fromMs, toMs: end, ...scope } : undefined;
  // A short line that sent nothing judges what the check did before it, in an earlier line or
  // between two ("no request fails during the rolling restart" counts what a load saw while SIGHUP
  // did its work; lesson 04's lines after SIGTERM): look back over a few lines and the time between
  // them, the smallest window first, to where the check sent a signal; else to where anything
  // happened. (A worker forked, or a request given up, in its own few ms is the end of that story.)
  for (const story of [acted, involved]) {
    if (story(own.fromMs, end)) return { fromMs: own.fromMs, toMs: end, ...scope };
    for (let j = i - 1; j >= Math.max(0, i - 4); j--) {
      const sp = spans[j];
      if (!sp) break;
      for (const from of [sp.toMs ?? sp.fromMs, sp.fromMs]) if (story(from, end)) return { fromMs: from, toMs: end, ...scope };
    }
  }
  // About copies that ran beside the rest and have ended (lesson 04's): their whole lives are the story.
  if (about) {
    let fromMs = Infinity;
    let toMs = -Infinity;
    for (const pid of about) {
      const born = events.find((e) => e.kind === 'spawn' && e.pid === pid)?.atMs;
      const gone = events.find((e) => e.kind === 'exit' && e.pid === pid)?.atMs;
      if (born === undefined || gone === undefined || gone > end) return undefined;
      fromMs = Math.min(fromMs, born);
      toMs = Math.max(toMs, gone);
    }
    if (involved(fromMs, toMs)) return { fromMs, toMs, about };
  }
  return undefined;
}

// ── The terminal chart ────────────────────────────────────────────────────────────────────────

export interface ChartOptions {
  /** Total width in columns (default 80; never more). */
  readonly width?: number;
  /** Box drawing and symbols; otherwise plain ASCII. */
  readonly unicode?: boolean;
  /** Colours (default: as the rest of the terminal face, scripts/views/colors.ts). */
  readonly color?: boolean;
  /** No legend and no axis: the lanes only (the live view while a check runs). */
  readonly compact?: boolean;
  /** Without the legend (a chart that is not the last of several). */
  readonly legend?: boolean;
  /** The first line's start (default "timeline"). */
  readonly title?: string;
  /** At most this many lanes; the rest are counted in one line. */
  readonly maxLanes?: number;
  /** Over `maxLanes`, keep the lanes with the latest activity (the live view), not the first ones. */
  readonly recent?: boolean;
}

/**
 * Whether the terminal can show UTF-8: the locale says so (LC_ALL, then LC_CTYPE, then LANG, as
 * POSIX orders them). Windows terminals can; a POSIX system with no locale set is in "C", ASCII.
 * WORKSHOP_ASCII=1 forces plain ASCII anywhere.
 */
export function terminalUnicode(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): boolean {
  if (env.WORKSHOP_ASCII && env.WORKSHOP_ASCII !== '0') return false;
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG;
  if (!locale) return platform === 'win32' || platform === 'darwin';
  return /utf-?8/i.test(locale);
}

interface Glyphs {
  readonly answered: string;
  readonly refused: string;
  readonly failed: string;
  readonly born: string;
  readonly ended: string;
  readonly alive: string;
  readonly bar: string;
}
const unicodeGlyphs: Glyphs = { answered: '▪', refused: '∘', failed: '✗', born: '●', ended: '†', alive: '─', bar: '│' };
const asciiGlyphs: Glyphs = { answered: '=', refused: 'o', failed: '!', born: '+', ended: 'X', alive: '-', bar: '|' };

const signalLetters: Readonly<Record<string, string>> = { SIGKILL: 'K', SIGTERM: 'T', SIGHUP: 'H', SIGINT: 'I', SIGSTOP: 'P', SIGCONT: 'C', SIGUSR2: 'U', SIGQUIT: 'Q' };
const letterOf = (signal: string | undefined): string => signalLetters[signal ?? ''] ?? 'S';

/** What wins a cell when several things happen in it: the rare and telling over the many. */
const priority: Readonly<Record<MarkKind, number>> = { signal: 5, ended: 4, born: 3, failed: 2, refused: 1.5, answered: 1 };
// The clean-up's signal gives way to the death it causes: the end is what the lane should show.
const rank = (m: Mark): number => (m.cleanup ? 3.5 : priority[m.kind]);

const LABEL = 21; // "new instance 4194304": the longest role and the largest Linux pid
const COUNTS = 6;

/** The timeline as text: one lane per pid, time left to right, at most `width` (80) columns wide. */
export function formatTimeline(m: TimelineModel, opts: ChartOptions = {}): string {
  const width = Math.min(opts.width ?? 80, 80);
  const unicode = opts.unicode ?? terminalUnicode();
  const g = unicode ? unicodeGlyphs : asciiGlyphs;
  const pc = createColors(opts.color ?? terminalColors.isColorSupported);
  const paint = (f: (s: string) => string) => f;
  const dim = paint(pc.dim);
  const styles: Readonly<Record<MarkKind, (s: string) => string>> = {
    answered: paint(pc.green),
    refused: paint(pc.dim),
    failed: paint((s) => pc.bold(pc.red(s))),
    born: paint(pc.cyan),
    ended: paint(pc.yellow),
    signal: paint((s) => pc.bold(pc.magenta(s))),
  };
  const cols = Math.max(10, width - LABEL - 2 - COUNTS);
  const span = m.toMs - m.fromMs;
  const col = (atMs: number): number => Math.min(cols - 1, Math.max(0, Math.floor(((atMs - m.fromMs) / span) * cols)));

  const maxLanes = opts.maxLanes ?? 12;
  // Over the limit, the lane of failed requests stays: it is the one that matters most.
  const failing = m.lanes.find((l) => l.pid === undefined);
  let lanes = m.lanes.length > maxLanes && failing ? [...m.lanes.slice(0, maxLanes - 1), failing] : m.lanes.slice(0, maxLanes);
  if (opts.recent && m.lanes.length > maxLanes) {
    // The processes alive now first, then those that did something last.
    const last = m.lanes.map((l, i) => Math.max(l.endedMs === undefined && l.pid !== undefined ? Infinity : (l.endedMs ?? 0), ...m.marks.filter((x) => x.lane === i).map((x) => x.atMs)));
    const keep = new Set([...m.lanes.keys()].sort((a, b) => (last[b] ?? 0) - (last[a] ?? 0)).slice(0, maxLanes));
    lanes = m.lanes.filter((_, i) => keep.has(i));
  }
  const lines: string[] = [];
  let drewCleanup = false;
  if (!opts.compact) {
    const head = `${opts.title ?? 'timeline'} from ${seconds(m.fromMs)} to ${seconds(m.toMs)} (one column: ${seconds(span / cols)})`;
    lines.push(dim(head.length > width ? `${head.slice(0, width - 3)}...` : head));
  }
  lanes.forEach((lane) => {
    const i = m.lanes.indexOf(lane);
    const cells: { kind: MarkKind | 'alive' | 'none'; text: string; cleanup?: boolean }[] = [];
    for (let c = 0; c < cols; c++) {
      // Alive from birth (or the window's start) to its end (or the window's end).
      const cellFrom = m.fromMs + (c / cols) * span;
      const cellTo = m.fromMs + ((c + 1) / cols) * span;
      const from = lane.bornMs ?? (lane.pid === undefined ? Infinity : m.fromMs);
      const to = lane.endedMs ?? Infinity;
      cells.push({ kind: from < cellTo && to >= cellFrom ? 'alive' : 'none', text: '' });
    }
    const held = (c: (typeof cells)[number]): number => (c.kind === 'alive' || c.kind === 'none' ? 0 : c.cleanup ? 3.5 : priority[c.kind]);
    let spilled = -1; // signals and deaths a few ms apart (SIGSTOP, SIGTERM, SIGCONT, the end) go side by side
    for (const mark of m.marks) {
      if (mark.lane !== i) continue;
      let at = Math.max(col(mark.atMs), mark.kind === 'signal' || mark.kind === 'ended' ? spilled : -1);
      let cell = cells[at];
      if (!cell) continue;
      if ((mark.kind === 'signal' || mark.kind === 'ended') && held(cell) >= 3.5 && rank(mark) >= 3.5) {
        const next = cells[at + 1];
        if (next && held(next) < 3.5) {
          at += 1;
          cell = next;
        }
      }
      if (rank(mark) > held(cell)) {
        cell.kind = mark.kind;
        cell.text = mark.kind === 'signal' ? letterOf(mark.signal) : g[mark.kind];
        cell.cleanup = mark.cleanup === true;
        if (mark.kind === 'signal' || mark.kind === 'ended') spilled = at;
      }
    }
    drewCleanup ||= cells.some((c) => c.cleanup && c.kind === 'signal');
    const row = cells
      .map((c) => (c.kind === 'none' ? ' ' : c.kind === 'alive' ? dim(g.alive) : c.cleanup ? dim(c.text.toLowerCase()) : styles[c.kind](c.text)))
      .join('');
    const label = lane.label.length > LABEL - 1 ? lane.label.slice(0, LABEL - 1) : lane.label;
    const counts = lane.pid === undefined ? (lane.failed > 0 ? `${lane.failed}${g.failed}` : `${lane.refused}${g.refused}`) : lane.failed > 0 ? `${lane.answered} ${lane.failed}${g.failed}` : `${lane.answered}`;
    lines.push(`${label.padEnd(LABEL)}${dim(g.bar)}${row}${dim(g.bar)} ${counts.length > COUNTS - 1 ? counts.slice(0, COUNTS - 1) : counts}`);
  });
  if (m.lanes.length > lanes.length) lines.push(dim(`${' '.repeat(LABEL)} … ${m.lanes.length - lanes.length} more lanes${opts.recent ? ' (ended earlier)' : ''}`.replace('…', unicode ? '…' : '...')));
  if (m.lanes.length === 0) lines.push(dim(`${' '.repeat(LABEL)} (no process or request recorded here)`));
  if (opts.compact) return lines.join('\n');

  const left = seconds(m.fromMs);
  const right = seconds(m.toMs);
  lines.push(dim(`${' '.repeat(LABEL + 1)}${left}${right.padStart(cols - left.length)}`));

  if (opts.legend === false) return lines.join('\n');
  const kinds = new Set(m.marks.map((x) => x.kind));
  const items = [
    `${styles.answered(g.answered)} answered`,
    `${styles.failed(g.failed)} failed`,
    ...(kinds.has('refused') ? [`${styles.refused(g.refused)} refused while stopping`] : []),
    `${styles.born(g.born)} born`,
    `${styles.ended(g.ended)} ended`,
    `${dim(g.alive)} alive`,
  ];
  const signals = [...new Set(m.marks.filter((x) => x.kind === 'signal' && !x.cleanup).map((x) => x.signal ?? ''))];
  for (const s of signals) items.push(`${styles.signal(letterOf(s))} the check sent ${s}`);
  if (drewCleanup) items.push(`${dim('t k')} the check's clean-up ending a program`);
  // Wrap the legend within the width; visible length without colour codes.
  const visible = (s: string): number => s.replace(/\x1b\[[0-9;]*m/g, '').length;
  let line = 'legend:';
  for (const item of items) {
    if (visible(line) + 2 + visible(item) > width) {
      lines.push(line);
      line = '       ';
    }
    line += `  ${item}`;
  }
  lines.push(line);
  lines.push(dim(`at the right: requests answered${kinds.has('failed') ? `, and failed (${g.failed})` : ''}`));
  return lines.join('\n');
}

// ── The page's SVG ─────────────────────────────────────────────────────────────────────────────

/** Escape text for XML content and attribute values (SVG is XML: every string goes through here). */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// Sized for the page's check column (24rem): drawn 1:1 there, so 10px text stays 10px.
const SVG = { width: 370, label: 126, right: 32, lane: 24, top: 22, bottom: 20, bucket: 3 } as const;

/**
 * The timeline as an SVG document for the page: a lane per pid, marks with a <title> each (the
 * browser shows it on hover), the expectations as bands above. Many requests in the same few
 * pixels become one mark whose title counts them, so a load test stays a small picture.
 * Classes only, no inline style: the page's CSP allows no inline style, and the stylesheet colours it.
 */
export function timelineSvg(m: TimelineModel, opts: { live?: boolean } = {}): string {
  const chart = SVG.width - SVG.label - SVG.right;
  const height = SVG.top + m.lanes.length * SVG.lane + SVG.bottom;
  const span = m.toMs - m.fromMs;
  const x = (atMs: number): number => SVG.label + Math.min(chart, Math.max(0, ((atMs - m.fromMs) / span) * chart));
  const n = (v: number): string => (Math.round(v * 10) / 10).toString();
  const out: string[] = [];
  const desc = `Timeline of the check from ${seconds(m.fromMs)} to ${seconds(m.toMs)}: ${m.lanes.map((l) => l.label).join(', ') || 'nothing recorded yet'}`;
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline${opts.live ? ' live' : ''}" viewBox="0 0 ${SVG.width} ${height}" width="${SVG.width}" height="${height}" role="img" aria-label="${escapeXml(desc)}">`,
    `<title>${escapeXml(desc)}</title>`,
  );
  // The expectations: bands across the top row, ✓/✗ in their titles.
  m.spans.forEach((s, i) => {
    const x1 = x(s.fromMs);
    const w = Math.max(1, x(s.toMs) - x1);
    const state = s.ok === undefined ? 'running' : s.ok ? 'ok' : 'fail';
    const sign = s.ok === undefined ? '…' : s.ok ? '✓' : '✗';
    out.push(
      `<rect class="span ${state} ${i % 2 ? 'odd' : 'even'}" x="${n(x1)}" y="4" width="${n(w)}" height="${SVG.top - 10}"><title>${escapeXml(`${sign} ${s.name} (${seconds(s.fromMs)} to ${seconds(s.toMs)})`)}</title></rect>`,
    );
  });
  out.push(`<text class="axis" x="${SVG.label - 6}" y="${SVG.top - 8}" text-anchor="end">expectations</text>`);

  m.lanes.forEach((lane, i) => {
    const y = SVG.top + i * SVG.lane + SVG.lane / 2;
    out.push(`<g class="lane ${lane.pid === undefined ? 'no-answer' : lane.role.replace(' ', '-')}" data-pid="${lane.pid ?? ''}">`);
    out.push(`<text class="label" x="${SVG.label - 9}" y="${n(y + 4)}" text-anchor="end">${escapeXml(lane.label)}</text>`);
    if (lane.pid !== undefined) {
      const from = x(lane.bornMs ?? m.fromMs);
      const to = x(lane.endedMs ?? m.toMs);
      const life = `${lane.label}: ${lane.bornMs !== undefined ? `started at ${seconds(lane.bornMs)}` : 'running'}${lane.endedMs !== undefined ? `, ended at ${seconds(lane.endedMs)}${lane.ended ? ` ${lane.ended}` : ''}` : ''}; answered ${lane.answered}${lane.failed ? `, ${lane.failed} failed` : ''}`;
      out.push(`<line class="alive" x1="${n(from)}" y1="${n(y)}" x2="${n(Math.max(to, from + 1))}" y2="${n(y)}"><title>${escapeXml(life)}</title></line>`);
    }
    // Requests by bucket of a few pixels: one mark per bucket and kind, its title counting them.
    const buckets = new Map<string, { kind: MarkKind; x: number; texts: string[]; count: number }>();
    for (const mark of m.marks) {
      if (mark.lane !== i || (mark.kind !== 'answered' && mark.kind !== 'failed' && mark.kind !== 'refused')) continue;
      const b = Math.floor((x(mark.atMs) - SVG.label) / SVG.bucket);
      const key = `${mark.kind}:${b}`;
      const entry = buckets.get(key) ?? { kind: mark.kind, x: SVG.label + b * SVG.bucket, texts: [], count: 0 };
      entry.texts.push(mark.text);
      entry.count += mark.count ?? 1;
      buckets.set(key, entry);
    }
    // A long request (a slow route, one in flight across a signal) also gets a bar from sent to answered.
    for (const mark of m.marks) {
      const end = mark.endMs ?? mark.atMs;
      if (mark.lane !== i || mark.sentMs === undefined || x(end) - x(mark.sentMs) < SVG.bucket * 3) continue;
      out.push(`<rect class="in-flight ${mark.kind}" x="${n(x(mark.sentMs))}" y="${n(y + 5)}" width="${n(x(end) - x(mark.sentMs))}" height="3"><title>${escapeXml(mark.text)}</title></rect>`);
    }
    for (const b of buckets.values()) {
      const title = b.count === 1 ? (b.texts[0] ?? '') : `${b.count} requests ${b.kind}, first: ${b.texts[0] ?? ''}`;
      const h = b.kind === 'failed' ? 14 : 8;
      out.push(`<rect class="${b.kind}" x="${n(b.x)}" y="${n(y - h / 2)}" width="${SVG.bucket - 1}" height="${h}"><title>${escapeXml(title)}</title></rect>`);
    }
    // Signals last, on top of the death they cause.
    const drawn = m.marks.filter((mark) => mark.lane === i && (mark.kind === 'born' || mark.kind === 'ended' || mark.kind === 'signal'));
    drawn.sort((a, b) => Number(a.kind === 'signal') - Number(b.kind === 'signal'));
    for (const mark of drawn) {
      const mx = n(x(mark.atMs));
      const title = `<title>${escapeXml(mark.text)}</title>`;
      if (mark.kind === 'born') out.push(`<circle class="born" cx="${mx}" cy="${n(y)}" r="4">${title}</circle>`);
      else if (mark.kind === 'ended') out.push(`<path class="ended" d="M${n(x(mark.atMs) - 4)} ${n(y - 4)}l8 8m0 -8l-8 8">${title}</path>`);
      else if (mark.kind === 'signal') {
        // The same letter as the terminal's (K SIGKILL, H SIGHUP, T SIGTERM); the title says it in full.
        out.push(
          `<g class="signal${mark.cleanup ? ' cleanup' : ''}">${title}<rect x="${n(x(mark.atMs) - 5)}" y="${n(y - 7)}" width="10" height="14" rx="2"/><text x="${mx}" y="${n(y + 3.5)}" text-anchor="middle">${escapeXml(letterOf(mark.signal))}</text></g>`,
        );
      }
    }
    const counts = `${lane.answered}${lane.failed ? ` · ${lane.failed}✗` : ''}`;
    const none = lane.failed > 0 ? `${lane.failed}✗` : `${lane.refused}∘`;
    out.push(`<text class="count" x="${SVG.width - SVG.right + 6}" y="${n(y + 4)}">${escapeXml(lane.pid === undefined ? none : counts)}</text>`);
    out.push('</g>');
  });
  const bottom = SVG.top + m.lanes.length * SVG.lane + 16;
  out.push(`<text class="axis" x="${SVG.label}" y="${bottom}">${escapeXml(seconds(m.fromMs))}</text>`);
  out.push(`<text class="axis" x="${SVG.label + chart}" y="${bottom}" text-anchor="end">${escapeXml(seconds(m.toMs))}</text>`);
  if (m.lanes.length === 0) out.push(`<text class="axis" x="${SVG.label}" y="${SVG.top + 4}">no process or request recorded yet</text>`);
  out.push('</svg>');
  return out.join('');
}
