// The workshop in the browser, served while `npm start` runs: the course list with progress, each
// lesson's README, and the current check's result live (server-sent events from the bus).
// Only named routes exist; no request path ever reaches the disk except the lesson READMEs (by id
// from course.ts), the page's own assets and the benchmark chart.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Lesson } from '../../course.ts';
import type { CheckResult } from '../../checks/lib/runner.ts';
import type { WorkshopBus, WorkshopEvent } from '../bus.ts';
import { marks } from '../views/marks.ts';
import { resultView } from '../views/result.ts';
import { resultTimeline, timelineModel, timelineSvg } from '../views/timeline.ts';
import type { Workshop } from '../workshop.ts';
import { assets } from './assets.ts';
import { benchFigure, homeBody, lessonBody, page } from './page.ts';
import { refusal, refusePost, securityHeaders } from './security.ts';

export interface WebOptions {
  /** 0 = any free port; a busy port falls back to any free one (the url says which). */
  readonly port: number;
  readonly bus: WorkshopBus;
  /** The learner's workshop: progress and READMEs come from it, live. */
  readonly workshop: Workshop;
  /** Run the current lesson's check again now (the page's button). */
  readonly runNow: () => void;
  /** Only loopback: 127.0.0.1 (the default) or localhost. */
  readonly host?: string;
  /** Where `npm run bench` writes its chart (tests point it elsewhere). */
  readonly benchFile?: string;
}

export interface WebServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startWeb(opts: WebOptions): Promise<WebServer> {
  const host = opts.host ?? '127.0.0.1';
  if (host !== '127.0.0.1' && host !== 'localhost') throw new Error(`the workshop page binds 127.0.0.1 only, not ${host}`);
  const { bus, workshop: ws } = opts;
  const benchFile = opts.benchFile ?? join(ws.stateDir, 'bench', 'bench.svg');
  const token = randomBytes(24).toString('base64url');
  const clients = new Set<ServerResponse>();
  let port = 0;

  const send = (res: ServerResponse, event: string, data: unknown): void => {
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  // A result travels with its view (the summary and the stopped-early note), decided once for both faces.
  // Progress travels with each lesson's state (✓ ▶ ·), decided by the workshop, not recomputed by the page.
  const rows = (): { id: string; state: string }[] => ws.rows().map((r) => ({ id: r.lesson.id, state: r.state }));
  // The timeline travels as SVG text drawn here by scripts/views/timeline.ts (every string escaped
  // there), the same model the terminal chart paints; the page parses it as XML, never as HTML.
  const finalSvg = (r: CheckResult): string | undefined => {
    const m = resultTimeline(r);
    return m && timelineSvg(m);
  };
  const view = (r: CheckResult): unknown => ({ ...resultView(r), timeline: finalSvg(r) });
  const withView = (e: WorkshopEvent): unknown =>
    e.type === 'check-finished' ? { ...e, view: view(e.result) } : e.type === 'progress' ? { ...e, rows: rows() } : e;
  // While a check runs: its timeline so far, redrawn at most a few times a second (a load test
  // records thousands of requests; the page needs a picture, not every one of them).
  let runStarted = 0;
  let liveTimer: NodeJS.Timeout | undefined;
  const liveView = (): { lesson: string; svg: string; expectation: string | undefined; elapsedMs: number } | undefined => {
    if (!bus.running) return undefined;
    const elapsedMs = Math.round(performance.now() - runStarted);
    const events = bus.live;
    let expectation: string | undefined;
    for (const ev of events) if (ev.kind === 'expectation') expectation = ev.ok === undefined ? ev.name : expectation === ev.name ? undefined : expectation;
    const svg = timelineSvg(timelineModel(events, { fromMs: 0, toMs: Math.max(elapsedMs, events.at(-1)?.atMs ?? 0, 1000) }), { live: true });
    return { lesson: bus.running, svg, expectation, elapsedMs };
  };
  const sendLive = (): void => {
    liveTimer = undefined;
    const v = liveView();
    if (v) for (const res of clients) send(res, 'timeline', v);
  };
  const unsubscribe = bus.subscribe((e: WorkshopEvent) => {
    if (e.type === 'check-started') runStarted = performance.now();
    if (e.type === 'check-event') {
      liveTimer ??= setTimeout(sendLive, 300);
      return;
    }
    if (e.type === 'check-finished') {
      clearTimeout(liveTimer);
      liveTimer = undefined;
    }
    for (const res of clients) send(res, e.type, withView(e));
  });
  // The time so far moves on even when nothing is recorded (a 30 s expectation waiting): a tick a second.
  const liveTick = setInterval(() => {
    if (bus.running && clients.size > 0) liveTimer ??= setTimeout(sendLive, 0);
  }, 1000);
  liveTick.unref();
  // A comment now and then keeps idle connections (and proxies in between) from timing out.
  const keepAlive = setInterval(() => {
    for (const res of clients) res.write(': keep-alive\n\n');
  }, 15_000);
  keepAlive.unref();

  const reply = (res: ServerResponse, status: number, type: string, body: string | Buffer, extra: OutgoingHttpHeaders = {}): void => {
    res.writeHead(status, { ...securityHeaders, 'content-type': type, 'content-length': Buffer.byteLength(body), ...extra });
    res.end(body);
  };
  const html = (res: ServerResponse, status: number, title: string, body: string, open?: string): void =>
    reply(res, status, 'text/html; charset=utf-8', page({ title, body, ws, token, bench: existsSync(benchFile), ...(open ? { open } : {}) }));
  const text = (res: ServerResponse, status: number, body: string): void => reply(res, status, 'text/plain; charset=utf-8', `${body}\n`);

  function readme(lesson: Lesson): string | undefined {
    try {
      return readFileSync(ws.readme(lesson), 'utf8'); // the learner's copy, as the terminal says
    } catch {
      return undefined; // not written yet
    }
  }

  function events(res: ServerResponse): void {
    res.writeHead(200, { ...securityHeaders, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
    clients.add(res);
    const latest = bus.latest;
    send(res, 'state', { ...ws.progress(), rows: rows(), marks, latest, view: latest && view(latest), running: bus.running, live: liveView() });
    res.on('close', () => clients.delete(res));
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const refused = refusal(req, port);
    if (refused) return text(res, 403, `Refused: ${refused}.`);
    const path = new URL(req.url ?? '/', 'http://workshop.invalid').pathname;
    if (path === '/run') {
      if (req.method !== 'POST') return text(res, 405, 'Use POST.');
      const no = refusePost(req, port, token);
      if (no) return text(res, 403, `Refused: ${no}.`);
      req.resume();
      opts.runNow();
      return reply(res, 202, 'application/json', JSON.stringify({ ok: true }));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, 'Only GET, HEAD and POST /run.');
    const asset = assets.get(path);
    if (asset) return reply(res, 200, asset.type, asset.body);
    if (path === '/') return html(res, 200, 'Course', homeBody(ws));
    if (path === '/events') return req.method === 'GET' ? events(res) : text(res, 405, 'Use GET.');
    const id = /^\/lessons\/([^/]+)\/?$/.exec(path)?.[1];
    const lesson = id === undefined ? undefined : ws.lessons.find((l) => l.id === id);
    if (lesson) return html(res, 200, lesson.title, lessonBody(ws, lesson, readme(lesson), existsSync(benchFile)), lesson.id);
    if (path === '/bench' || path === '/bench.svg') {
      if (!existsSync(benchFile)) return html(res, 404, 'Benchmark', '<h1>No benchmark yet</h1><p>Run <code>npm run bench</code>: its chart shows up here.</p>', 'bench');
      if (path === '/bench') return html(res, 200, 'Benchmark', `<h1>Benchmark</h1>${benchFigure()}`, 'bench');
      // An SVG is a document that could carry script: as an image nothing in it runs, and its own CSP says so too.
      return reply(res, 200, 'image/svg+xml', readFileSync(benchFile), { 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" });
    }
    return html(res, 404, 'Not found', '<h1>Not found</h1><p>The workshop serves its lessons and nothing else. <a href="/">Back to the course</a>.</p>');
  }

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      if (!res.headersSent) text(res, 500, `The workshop page failed: ${(err as Error).message}`);
      else res.end();
    }
  });

  const listen = (p: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => reject(err);
      server.once('error', onError);
      server.listen(p, host === 'localhost' ? '127.0.0.1' : host, () => {
        server.off('error', onError);
        resolve();
      });
    });
  try {
    await listen(opts.port);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || opts.port === 0) {
      unsubscribe();
      clearInterval(keepAlive);
      clearInterval(liveTick);
      throw err;
    }
    await listen(0); // the asked-for port is taken: any free one, and the url says which
  }
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/`,
    async close() {
      unsubscribe();
      clearInterval(keepAlive);
      clearInterval(liveTick);
      clearTimeout(liveTimer);
      for (const res of clients) res.end();
      clients.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
