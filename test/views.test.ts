// The timeline's two faces (issue #15): the terminal chart and the page's SVG, from synthetic
// timelines shaped like lessons 02, 04 and 07 (test/views-timelines.ts).
import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../checks/lib/types.ts';
import { formatResult } from '../scripts/views/result.ts';
import { failureWindow, formatTimeline, resultTimeline, terminalUnicode, timelineModel, timelineSvg } from '../scripts/views/timeline.ts';
import { LiveStatus } from '../scripts/views/live.ts';
import { lesson02, lesson04, lesson07, resultWith } from './views-timelines.ts';

const plain = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '');
const chart = (events: TimelineEvent[], opts: Parameters<typeof formatTimeline>[1] = {}): string =>
  formatTimeline(timelineModel(events), { unicode: true, color: false, ...opts });

describe('the terminal chart', () => {
  it('has one lane per pid, labelled with its role and pid, in the order they appeared', () => {
    const lines = chart(lesson04()).split('\n');
    const labels = lines.map((l) => /^(primary|program|worker|new worker|no answer)( \d+)?/.exec(l)?.[0]).filter(Boolean);
    expect(labels).toEqual(['primary 52001', 'worker 52010', 'worker 52011', 'new worker 52030', 'no answer']);
  });

  it('marks births, deaths, answers, failures and the check\'s signals, and counts each lane\'s answers', () => {
    const text = chart(lesson04());
    const lane = (label: string): string => text.split('\n').find((l) => l.startsWith(label)) ?? '';
    expect(lane('worker 52010')).toMatch(/●─+▪+K/); // born, alive, answered, then the SIGKILL
    expect(lane('new worker 52030')).toMatch(/●─*▪+.*†/);
    expect(lane('no answer')).toContain('✗');
    expect(lane('no answer')).toMatch(/1✗$/);
    expect(lane('primary 52001')).toMatch(/ 0$/); // the primary answers nothing
    expect(text).toContain('K the check sent SIGKILL');
    expect(text).toMatch(/legend: +▪ answered +✗ failed +● born +† ended +─ alive/);
  });

  it('shows lesson 07\'s rolling restart: SIGHUP, old workers ending, new ones answering, SIGTERM', () => {
    const text = chart(lesson07());
    expect(text).toMatch(/^primary 63001 +│●─+H─+T─*†│ 0$/m);
    expect(text.match(/^worker 630\d\d .*▪+†/gm)).toHaveLength(2);
    expect(text.match(/^new worker 630\d\d .*●─*▪+/gm)).toHaveLength(2);
    expect(text).toContain('H the check sent SIGHUP');
    expect(text).not.toContain('✗│');
  });

  it('fits 80 columns, and a narrower terminal', () => {
    for (const events of [lesson02(), lesson04(), lesson07()]) {
      for (const width of [80, 60]) {
        for (const unicode of [true, false]) {
          const text = formatTimeline(timelineModel(events), { width, unicode, color: true });
          for (const line of text.split('\n')) expect([...plain(line)].length, line).toBeLessThanOrEqual(width);
        }
      }
    }
  });

  it('is plain ASCII without UTF-8, and has no escape codes without colour', () => {
    const text = chart(lesson07(), { unicode: false });
    expect(text).toMatch(/^[\x20-\x7e\n]*$/);
    expect(text).toMatch(/legend: += answered +! failed +\+ born +X ended +- alive/);
    expect(text).toMatch(/^new worker 63020 +\|.*\+-*=+/m);
  });

  it('paints with colour only when asked', () => {
    expect(formatTimeline(timelineModel(lesson02()), { color: true, unicode: true })).toContain('\x1b[');
    expect(chart(lesson02())).not.toContain('\x1b[');
  });

  it('decides UTF-8 from the locale, as POSIX orders the variables', () => {
    expect(terminalUnicode({ LANG: 'en_US.UTF-8' }, 'linux')).toBe(true);
    expect(terminalUnicode({ LANG: 'C.utf8' }, 'linux')).toBe(true);
    expect(terminalUnicode({ LC_ALL: 'C', LANG: 'en_US.UTF-8' }, 'linux')).toBe(false);
    expect(terminalUnicode({ LC_CTYPE: 'en_US.UTF-8', LANG: 'C' }, 'linux')).toBe(true);
    expect(terminalUnicode({}, 'linux')).toBe(false);
    expect(terminalUnicode({}, 'win32')).toBe(true);
    expect(terminalUnicode({ LANG: 'en_US.UTF-8', WORKSHOP_ASCII: '1' }, 'linux')).toBe(false);
  });

  it('lesson 02: both workers answer, in turns, and the primary answers nothing', () => {
    const m = timelineModel(lesson02());
    const worker = m.lanes.filter((l) => l.role === 'worker');
    expect(worker.map((l) => l.answered)).toEqual([31, 30]);
    expect(m.lanes.find((l) => l.role === 'primary')?.answered).toBe(0);
    // The clean-up's SIGTERM is the harness's, not the lesson's: drawn dim, not in the legend as a signal of the check.
    const text = chart(lesson02());
    expect(text).toMatch(/^primary 41001 .*t/m);
    expect(text).not.toContain('T the check sent SIGTERM');
  });
});

describe('a failed expectation', () => {
  it('gets the chart of its window when processes were part of it, and none otherwise', () => {
    const events = lesson04();
    const name = 'a worker killed with SIGKILL is replaced';
    expect(failureWindow(events, name)).toEqual({ fromMs: 1000, toMs: 5510 });
    const r = resultWith('04', events, { name });
    const text = plain(formatResult(r));
    expect(text).toContain('new worker 52030');
    expect(text.indexOf('new worker 52030')).toBeGreaterThan(text.indexOf('✗ a worker killed'));

    const quiet: TimelineEvent[] = [
      { atMs: 0, kind: 'expectation', name: 'GET / answers JSON' },
      { atMs: 10, kind: 'request', path: '/', pid: 7, status: 200, durationMs: 2, expectation: 'GET / answers JSON' },
      { atMs: 20, kind: 'expectation', name: 'GET / answers JSON', ok: false },
    ];
    expect(failureWindow(quiet, 'GET / answers JSON')).toBeUndefined();
    expect(plain(formatResult(resultWith('01', quiet, { name: 'GET / answers JSON' })))).not.toContain('legend');
  });

  it('about one program: another copy beside it neither opens a chart nor draws a lane in it', () => {
    const name = 'the primary replaces the crashed worker';
    const events: TimelineEvent[] = [
      { atMs: 0, kind: 'spawn', pid: 100, ppid: 1, role: 'program', tree: 100 },
      { atMs: 5, kind: 'spawn', pid: 101, ppid: 100, role: 'child', tree: 100 },
      { atMs: 10, kind: 'spawn', pid: 200, ppid: 1, role: 'program', tree: 200 },
      { atMs: 15, kind: 'spawn', pid: 201, ppid: 200, role: 'child', tree: 200 },
      { atMs: 100, kind: 'expectation', name, about: [100] },
      { atMs: 150, kind: 'exit', pid: 201, tree: 200, code: 1 },
      { atMs: 400, kind: 'expectation', name, ok: false },
    ];
    // Only the other copy's worker ended: nothing of this program's story happened.
    expect(failureWindow(events, name)).toBeUndefined();
    const mine: TimelineEvent[] = [...events.slice(0, 6), { atMs: 200, kind: 'exit', pid: 101, tree: 100, code: 1 }, events[6]!];
    const window = failureWindow(mine, name);
    expect(window).toEqual({ fromMs: 100, toMs: 400, about: [100] });
    expect(timelineModel(mine, window).lanes.map((l) => l.pid)).toEqual([100, 101]);
  });

  it('shows the whole run with --timeline', () => {
    const text = plain(formatResult(resultWith('07', lesson07()), undefined, { timeline: 'all' }));
    expect(text).toContain('H the check sent SIGHUP');
    expect(plain(formatResult(resultWith('07', lesson07())))).not.toContain('legend');
  });
});

describe('the page\'s SVG', () => {
  it('has a lane per pid, with the pid, and a title on every mark', () => {
    const svg = timelineSvg(resultTimeline(resultWith('07', lesson07())) ?? timelineModel([]));
    const pids = [...svg.matchAll(/<g class="lane [^"]*" data-pid="(\d*)"/g)].map((m) => Number(m[1]));
    expect(pids).toEqual([63001, 63010, 63011, 63020, 63021]);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain('the check sent SIGHUP to primary 63001');
    expect((svg.match(/<rect class="answered"/g) ?? []).length).toBeGreaterThan(20);
    expect(svg).not.toMatch(/style=/); // the page's CSP allows no inline style
  });

  it('escapes every string it shows', () => {
    const evil = '<script>alert(1)</script>"&\'';
    const events: TimelineEvent[] = [
      { atMs: 0, kind: 'expectation', name: evil },
      { atMs: 5, kind: 'spawn', pid: 9, tree: 9, role: 'program', expectation: evil },
      { atMs: 10, kind: 'request', path: `/${evil}`, failure: 'status', status: 500, durationMs: 1, expectation: evil },
      { atMs: 12, kind: 'signal', pid: 9, signal: evil, expectation: evil },
      { atMs: 20, kind: 'expectation', name: evil, ok: false },
    ];
    const svg = timelineSvg(timelineModel(events));
    expect(svg).not.toContain('<script');
    expect(svg).not.toContain('"&\'');
    expect(svg).toContain('&#60;script&#62;alert(1)&#60;/script&#62;&#34;&#38;&#39;');
    // Well-formed: every tag it opens it closes.
    const open = (svg.match(/<(svg|g|rect|text|title|line|circle|path)[ >]/g) ?? []).length;
    const selfClosed = (svg.match(/\/>/g) ?? []).length;
    const closed = (svg.match(/<\/(svg|g|rect|text|title|line|circle|path)>/g) ?? []).length;
    expect(open).toBe(closed + selfClosed);
  });

  it('folds many requests into few marks, so a load test stays a small picture', () => {
    const events: TimelineEvent[] = [{ atMs: 0, kind: 'spawn', pid: 5, tree: 5, role: 'program' }];
    for (let i = 1; i <= 5000; i++) events.push({ atMs: i, kind: 'request', path: '/', pid: 5, status: 200, durationMs: 1 });
    const svg = timelineSvg(timelineModel(events));
    expect((svg.match(/<rect class="answered"/g) ?? []).length).toBeLessThanOrEqual(200);
    expect(svg).toMatch(/\d+ requests answered/);
  });
});

describe('the live view of a running check', () => {
  it('in a pipe: one plain line as each expectation starts, nothing redrawn', () => {
    const out: string[] = [];
    const live = new LiveStatus({ tty: false, write: (t) => out.push(t), unicode: false });
    live.start('07-graceful-shutdown');
    for (const e of lesson07()) live.event(e);
    live.stop();
    expect(out).toEqual([
      '  [ 2.00 s] SIGHUP replaces every worker with no failed request…\n',
      '  [ 8.02 s] SIGTERM: the primary exits 0 after its workers…\n',
    ]);
  });

  it('in a terminal: a block with the expectation in progress and the lanes, redrawn in place and erased at the end', async () => {
    let screen = '';
    const live = new LiveStatus({ tty: true, write: (t) => (screen += t), unicode: true, everyMs: 20, columns: 100 });
    live.start('04-restart-on-exit');
    for (const e of lesson04().filter((e) => e.atMs < 3100)) live.event(e);
    await new Promise((r) => setTimeout(r, 80));
    live.print('a key was pressed');
    await new Promise((r) => setTimeout(r, 50));
    live.stop();
    const frames = plain(screen).split(/\x1b\[\d+A\r\x1b\[J/);
    expect(frames.length).toBeGreaterThan(2);
    const last = frames.at(-2) ?? '';
    expect(last).toMatch(/04-restart-on-exit · [\d.]+ s · a worker killed with SIGKILL is replaced/);
    expect(last).toMatch(/^worker 52010 +│.*K/m);
    for (const line of last.split('\n')) expect([...line].length).toBeLessThanOrEqual(80);
    expect(screen).toContain('a key was pressed\n');
    expect(screen.endsWith('\x1b[J')).toBe(true); // erased: the result prints where the block was
  });
});

describe('what the recording gives beyond the basics', () => {
  it('hides the polling of a program not listening yet; a refusal while the check stops it is grey; any other is a failure', () => {
    const events: TimelineEvent[] = [
      { atMs: 0, kind: 'spawn', pid: 10, tree: 10, role: 'program' },
      { atMs: 50, kind: 'request', path: '/', failure: 'refused', durationMs: 1 },
      { atMs: 100, kind: 'request', path: '/', failure: 'refused', durationMs: 1 },
      { atMs: 150, kind: 'request', path: '/', pid: 10, status: 200, durationMs: 1 },
      { atMs: 900, kind: 'request', path: '/', failure: 'refused', durationMs: 1 },
      { atMs: 1000, kind: 'signal', pid: 10, signal: 'SIGINT' },
      { atMs: 1100, kind: 'request', path: '/', failure: 'refused', durationMs: 1 },
      { atMs: 1500, kind: 'exit', pid: 10, tree: 10, code: 0, signal: null },
    ];
    const m = timelineModel(events);
    expect(m.lanes.map((l) => [l.label, l.answered, l.failed, l.refused])).toEqual([
      ['program 10', 1, 0, 0],
      ['no answer', 0, 1, 1],
    ]);
    expect(formatTimeline(m, { unicode: true, color: false })).toContain('∘ refused while stopping');
  });

  it('charts a failed expectation that judges what the one before it did (a load during a restart)', () => {
    const events: TimelineEvent[] = [
      { atMs: 0, kind: 'spawn', pid: 10, tree: 10, role: 'program' },
      { atMs: 100, kind: 'spawn', pid: 11, ppid: 10, tree: 10, role: 'child' },
      { atMs: 200, kind: 'request', path: '/', pid: 11, status: 200, durationMs: 1 },
      { atMs: 300, kind: 'expectation', name: 'restart' },
      { atMs: 400, kind: 'signal', pid: 10, signal: 'SIGHUP', expectation: 'restart' },
      { atMs: 410, kind: 'exit', pid: 11, tree: 10, expectation: 'restart' },
      { atMs: 420, kind: 'request', path: '/', failure: 'refused', durationMs: 1, expectation: 'restart' },
      { atMs: 600, kind: 'spawn', pid: 12, ppid: 10, tree: 10, role: 'child', expectation: 'restart' },
      { atMs: 900, kind: 'expectation', name: 'restart', ok: true },
      { atMs: 900, kind: 'expectation', name: 'no request fails' },
      { atMs: 901, kind: 'expectation', name: 'no request fails', ok: false },
    ];
    expect(failureWindow(events, 'no request fails')).toEqual({ fromMs: 300, toMs: 901 });
    expect(timelineModel(events).lanes.find((l) => l.label === 'no answer')?.failed).toBe(1);
  });

  it('draws no chart under a short ✗ that sent requests of its own, though the line before it signalled', () => {
    const events: TimelineEvent[] = [
      { atMs: 0, kind: 'spawn', pid: 10, tree: 10, role: 'program' },
      { atMs: 300, kind: 'expectation', name: 'paused' },
      { atMs: 400, kind: 'signal', pid: 10, signal: 'SIGSTOP', expectation: 'paused' },
      { atMs: 500, kind: 'signal', pid: 10, signal: 'SIGCONT', expectation: 'paused' },
      { atMs: 900, kind: 'expectation', name: 'paused', ok: true },
      { atMs: 900, kind: 'expectation', name: 'the result is fib(n)' },
      { atMs: 910, kind: 'request', path: '/work?n=0', pid: 10, status: 200, durationMs: 1, expectation: 'the result is fib(n)' },
      { atMs: 920, kind: 'expectation', name: 'the result is fib(n)', ok: false },
    ];
    expect(failureWindow(events, 'the result is fib(n)')).toBeUndefined();
    // One that sent nothing judges what came before it: it looks back, and draws the pause line's story.
    const looking = events.filter((e) => e.kind !== 'request');
    expect(failureWindow(looking, 'the result is fib(n)')).toEqual({ fromMs: 300, toMs: 920 });
  });

  it('about one program: the failed requests of a copy beside it (its own port) are left out of the chart and its count', () => {
    const name = 'no request fails';
    const events: TimelineEvent[] = [
      { atMs: 0, kind: 'spawn', pid: 100, ppid: 1, role: 'program', tree: 100, port: 4100 },
      { atMs: 5, kind: 'spawn', pid: 200, ppid: 1, role: 'program', tree: 200, port: 4200 },
      { atMs: 50, kind: 'expectation', name: 'restart' },
      { atMs: 60, kind: 'signal', pid: 100, signal: 'SIGHUP' },
      { atMs: 70, kind: 'signal', pid: 200, signal: 'SIGHUP' },
      { atMs: 80, kind: 'request', path: '/', port: 4100, failure: 'reset', durationMs: 3 },
      { atMs: 90, kind: 'request', path: '/', port: 4200, failure: 'reset', durationMs: 3 },
      { atMs: 95, kind: 'request', path: '/', port: 4200, failure: 'reset', durationMs: 3 },
      { atMs: 400, kind: 'expectation', name: 'restart', ok: true },
      { atMs: 400, kind: 'expectation', name, about: [100] },
      { atMs: 401, kind: 'expectation', name, ok: false },
    ];
    const window = failureWindow(events, name);
    expect(window).toEqual({ fromMs: 50, toMs: 401, about: [100] });
    const model = timelineModel(events, window);
    expect(model.lanes.find((l) => l.label === 'no answer')?.failed).toBe(1);
    expect(model.lanes.map((l) => l.pid)).not.toContain(200);
    // Without `about`, every copy's failures count.
    expect(timelineModel(events, { fromMs: 50, toMs: 401 }).lanes.find((l) => l.label === 'no answer')?.failed).toBe(3);
  });

  it('prints a window two ✗ share once, and points the second to it', () => {
    const events: TimelineEvent[] = [
      { atMs: 0, kind: 'spawn', pid: 10, tree: 10, role: 'program' },
      { atMs: 100, kind: 'spawn', pid: 11, ppid: 10, tree: 10, role: 'child' },
      { atMs: 250, kind: 'expectation', name: 'logs the death' },
      { atMs: 260, kind: 'expectation', name: 'logs the death', ok: true },
      { atMs: 300, kind: 'signal', pid: 10, signal: 'SIGTERM' },
      { atMs: 350, kind: 'spawn', pid: 12, ppid: 10, tree: 10, role: 'child' },
      { atMs: 400, kind: 'expectation', name: 'replaces none' },
      { atMs: 401, kind: 'expectation', name: 'replaces none', ok: false },
      { atMs: 401, kind: 'expectation', name: 'exits 0' },
      { atMs: 402, kind: 'expectation', name: 'exits 0', ok: false },
    ];
    const r = resultWith('04', events);
    const failed = { ...r, ok: false, expectations: r.expectations.map((e) => (e.name === 'logs the death' ? e : { ...e, ok: false, seen: 'it did not' })) };
    const text = plain(formatResult(failed));
    expect(text.match(/timeline of this expectation/g)).toHaveLength(1);
    expect(text).toContain('(its timeline is the one above)');
    expect(text.indexOf('(its timeline is the one above)')).toBeGreaterThan(text.indexOf('✗ exits 0'));
  });

  it('counts a thinned answer as the answers it stands for', () => {
    const events = [
      { atMs: 0, kind: 'spawn', pid: 10, tree: 10, role: 'program' },
      { atMs: 100, kind: 'request', path: '/', pid: 10, status: 200, durationMs: 1, count: 40 },
    ] as TimelineEvent[];
    expect(timelineModel(events).lanes[0]?.answered).toBe(40);
    expect(timelineSvg(timelineModel(events))).toContain('the last of 40');
  });
});

describe('pm2 (lesson 06)', () => {
  it('calls the daemon\'s children instances, and leaves its helpers (ps, sh -c getconf) out', () => {
    const events: TimelineEvent[] = [
      { atMs: 100, kind: 'spawn', pid: 20, ppid: 19, tree: 19, role: 'child', command: 'node /app/server.ts' },
      { atMs: 200, kind: 'spawn', pid: 30, ppid: 19, tree: 19, role: 'child', command: 'ps -e -o pid=,ppid=' },
      { atMs: 250, kind: 'exit', pid: 30, tree: 19 },
      { atMs: 300, kind: 'request', path: '/', pid: 20, status: 200, durationMs: 1 },
      { atMs: 400, kind: 'spawn', pid: 21, ppid: 19, tree: 19, role: 'child', command: 'node /app/server.ts' },
      { atMs: 500, kind: 'exit', pid: 20, tree: 19 },
    ];
    expect(timelineModel(events).lanes.map((l) => l.label)).toEqual(['instance 20', 'new instance 21']);
  });
});

describe('long runs', () => {
  it('--timeline splits a run whose programs ran one after another into parts, one legend at the end', () => {
    const first = lesson04();
    const second: TimelineEvent[] = [
      { atMs: 6000, kind: 'spawn', pid: 70001, tree: 70001, role: 'program' },
      { atMs: 6400, kind: 'spawn', pid: 70002, ppid: 70001, tree: 70001, role: 'child' },
      { atMs: 7000, kind: 'signal', pid: 70001, signal: 'SIGSTOP' },
      { atMs: 7010, kind: 'signal', pid: 70001, signal: 'SIGTERM' },
      { atMs: 7011, kind: 'signal', pid: 70001, signal: 'SIGCONT' },
      { atMs: 7020, kind: 'exit', pid: 70002, tree: 70001 },
      { atMs: 7021, kind: 'exit', pid: 70001, tree: 70001, code: 0, signal: null },
    ];
    const text = plain(formatResult(resultWith('04', [...first, ...second]), undefined, { timeline: 'all', columns: 80 }));
    expect(text).toContain('part 1 of 2, program 52001: from 0.00 s');
    expect(text).toContain('part 2 of 2, program 70001: from 6.00 s');
    expect(text.match(/^legend:/gm)).toHaveLength(1);
    // Signals a few ms apart stand side by side, then the end.
    expect(text).toMatch(/^primary 70001 +│●─+PTC†/m);
  });

  it('while running, keeps the lanes alive now when there are too many', () => {
    const events: TimelineEvent[] = [{ atMs: 0, kind: 'spawn', pid: 1, tree: 1, role: 'program' }];
    for (let i = 0; i < 10; i++) {
      events.push({ atMs: 100 + i * 100, kind: 'spawn', pid: 100 + i, ppid: 1, tree: 1, role: 'child' });
      if (i < 9) events.push({ atMs: 150 + i * 100, kind: 'exit', pid: 100 + i, tree: 1 });
    }
    const text = formatTimeline(timelineModel(events), { unicode: true, color: false, compact: true, recent: true, maxLanes: 3 });
    expect(text).toContain('new worker 109');
    expect(text).toContain('primary 1');
    expect(text).toMatch(/… 8 more lanes \(ended earlier\)/);
  });
});
