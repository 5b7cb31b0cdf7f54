// The workshop page's server: what it renders, and whom it refuses.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lessons } from '../course.ts';
import { WorkshopBus } from '../scripts/bus.ts';
import { renderMarkdown } from '../scripts/web/render.ts';
import { startWeb, type WebServer } from '../scripts/web/server.ts';
import { resultView } from '../scripts/views/result.ts';
import { openWorkshop } from '../scripts/workshop.ts';
import type { CheckResult } from '../checks/lib/runner.ts';
import { lesson04, resultWith } from './views-timelines.ts';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A request exactly as given (raw path, any Host), which fetch would normalise or refuse to send. */
function raw(port: number, path: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = { host: `127.0.0.1:${port}`, ...opts.headers };
  const noHost = headers.host === ''; // '' = send no Host header at all
  if (noHost) delete headers.host;
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', agent: false, timeout: 5000, setHost: !noHost, headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer to ${path}`)));
    req.on('error', reject);
    req.end();
  });
}

describe('rendering a README', () => {
  const html = renderMarkdown(
    [
      '# Title',
      '',
      '<script>alert(1)</script>',
      '',
      '<img src=x onerror="alert(2)">',
      '',
      '[next](../02-cluster-fork/README.md) [contract](../03-cpu-count/#the-contract) [folder](../02-cluster-fork/)',
      '[bad](javascript:alert(3)) [vb](vbscript:x) [data](data:text/html,hi) [docs](https://nodejs.org/api/cluster.html)',
      '[mine](server.ts) [up](../../package.json) [nowhere](../99-nope/README.md)',
      '',
      '```ts',
      'const workers: number = os.availableParallelism();',
      '```',
    ].join('\n'),
    '01-single-thread',
  );

  it('escapes raw HTML instead of passing it through', () => {
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(2)&quot;&gt;');
    expect(html).not.toMatch(/<script|<img/i);
  });

  it('leaves javascript:, vbscript: and data: links as inert text', () => {
    expect(html).not.toMatch(/href="(javascript|vbscript|data):/i);
    expect(html).toContain('[bad](javascript:alert(3))');
  });

  it('sends links between lessons to the lesson pages', () => {
    expect(html).toContain('<a href="/lessons/02-cluster-fork">next</a>');
    expect(html).toContain('<a href="/lessons/03-cpu-count#the-contract">contract</a>');
    expect(html).toContain('<a href="/lessons/02-cluster-fork">folder</a>');
  });

  it('opens other sites in a new tab and turns repository files into plain text', () => {
    expect(html).toContain('<a href="https://nodejs.org/api/cluster.html" rel="noopener noreferrer" target="_blank">docs</a>');
    expect(html).toMatch(/<span class="file-link" title="lessons\/01-single-thread\/server\.ts[^"]*">mine<\/span>/);
    expect(html).toMatch(/<span class="file-link" title="package\.json[^"]*">up<\/span>/);
    expect(html).toMatch(/<span class="file-link"[^>]*>nowhere<\/span>/);
  });

  it("shows the benchmark chart from the workshop's state folder, and no other file", () => {
    const chart = renderMarkdown('![chart](../../.workshop/bench/bench.svg) ![x](../../package.json)', '08-measure');
    expect(chart).toContain('<img src="/bench.svg" alt="chart">');
    expect(chart).toContain('<img src="../../package.json" alt="x">'); // relative to the page: nothing is there
  });

  it('highlights code and gives headings ids', () => {
    expect(html).toContain('<span class="hljs-keyword">const</span>');
    expect(html).toContain('<h1 id="title">Title</h1>');
  });
});

describe('the page server', () => {
  const home = mkdtempSync(join(tmpdir(), 'workshop-web-'));
  const workshop = openWorkshop({ WORKSHOP_HOME: home });
  const bus = new WorkshopBus(workshop);
  const runs: number[] = [];
  const runNow = (): void => void runs.push(Date.now());
  const benchFile = join(home, 'bench.svg');
  let web: WebServer;
  let port: number;
  let origin: string;

  beforeAll(async () => {
    web = await startWeb({ port: 0, bus, workshop, runNow, benchFile });
    port = Number(new URL(web.url).port);
    origin = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await web.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('prints an address on 127.0.0.1 and refuses to bind anywhere else', async () => {
    expect(web.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    await expect(startWeb({ port: 0, bus, workshop, runNow, host: '0.0.0.0' })).rejects.toThrow(/127\.0\.0\.1 only/);
  });

  it('serves the course list and every lesson, with the security headers', async () => {
    const r = await raw(port, '/');
    expect(r.status).toBe(200);
    expect(r.headers['content-security-policy']).toContain("default-src 'none'");
    expect(r.headers['content-security-policy']).toContain("script-src 'self'");
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    for (const l of lessons) expect(r.body).toContain(`href="/lessons/${l.id}"`);
    expect(r.body).toMatch(new RegExp(`<span id="passed-count">\\d+</span> of ${lessons.length} lessons passed`));
    for (const l of lessons) {
      const page = await raw(port, `/lessons/${l.id}`);
      expect(page.status, l.id).toBe(200);
      expect(page.body).toContain('aria-current="page"');
      expect(page.body).toContain('<figure id="timeline" class="timeline-box" hidden>'); // filled by app.js from the events
    }
    const css = await raw(port, '/assets/style.css');
    expect(css.headers['content-type']).toMatch(/^text\/css/);
  });

  it('answers under localhost:PORT too', async () => {
    expect((await raw(port, '/', { headers: { host: `localhost:${port}` } })).status).toBe(200);
  });

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin', async () => {
    for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1:${port + 1}`, `0.0.0.0:${port}`, '']) {
      const r = await raw(port, '/', { headers: { host } });
      expect([400, 403], `Host ${host} → ${r.status}`).toContain(r.status); // no Host at all: Node itself answers 400
      expect(r.body).not.toContain('<html');
    }
    for (const o of ['http://evil.example', `http://evil.example:${port}`, 'null', `https://127.0.0.1:${port}`]) {
      expect((await raw(port, '/events', { headers: { origin: o } })).status, o).toBe(403);
      expect((await raw(port, '/run', { method: 'POST', headers: { origin: o } })).status, o).toBe(403);
    }
    // A browser that says the request comes from another site may follow a link here, nothing more.
    expect((await raw(port, '/run', { method: 'POST', headers: { origin, 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    expect((await raw(port, '/', { headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' } })).status).toBe(200);
    expect((await raw(port, '/', { headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' } })).status).toBe(403);
    expect(runs).toEqual([]);
  });

  it('runs the check only on a same-origin POST that carries the page token', async () => {
    const token = /name="workshop-token" content="([^"]+)"/.exec((await raw(port, '/')).body)?.[1] ?? '';
    expect(token.length).toBeGreaterThan(20);
    expect((await raw(port, '/run', { method: 'POST' })).status).toBe(403);
    expect((await raw(port, '/run', { method: 'POST', headers: { origin } })).status).toBe(403);
    expect((await raw(port, '/run', { method: 'POST', headers: { 'x-workshop-token': token } })).status).toBe(403);
    expect((await raw(port, '/run', { method: 'POST', headers: { origin, 'x-workshop-token': 'guess' } })).status).toBe(403);
    expect((await raw(port, '/run', { headers: { origin, 'x-workshop-token': token } })).status).toBe(405);
    expect(runs).toEqual([]);
    const ok = await raw(port, '/run', { method: 'POST', headers: { origin, 'x-workshop-token': token, 'sec-fetch-site': 'same-origin' } });
    expect(ok.status).toBe(202);
    expect(runs).toHaveLength(1);
  });

  it('serves nothing from the disk but the lessons, its assets and the chart', async () => {
    const paths = [
      '/package.json',
      '/course.ts',
      '/lessons/01-single-thread/server.ts',
      '/lessons/01-single-thread/README.md',
      '/lessons/../package.json',
      '/lessons/..%2F..%2Fpackage.json',
      '/lessons/01-single-thread%2F..%2F..%2Fpackage.json',
      '/assets/../../package.json',
      '/assets/%2e%2e/%2e%2e/package.json',
      '/assets/app.ts',
      '/scripts/web/server.ts',
      '/%2e%2e/%2e%2e/etc/passwd',
      '//etc/passwd',
      '/node_modules/highlight.js/package.json',
      '/.workshop/progress.json',
      '/.workshop/state.json',
      '/bench.svg/../../package.json',
    ];
    for (const p of paths) {
      const r = await raw(port, p);
      expect([404, 403], `${p} → ${r.status}`).toContain(r.status);
      expect(r.body, p).not.toMatch(/"devDependencies"|root:x:0|export const lessons|import /);
    }
    // A path that normalises to a lesson is that lesson's rendered page, not its file.
    const page = await raw(port, '/assets/../lessons/01-single-thread');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<!doctype html>');
  });

  it('shows the benchmark chart only where it exists, as an image', async () => {
    expect((await raw(port, '/bench.svg')).status).toBe(404);
    expect((await raw(port, '/')).body).not.toContain('href="/bench"');
    writeFileSync(benchFile, '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');
    const svg = await raw(port, '/bench.svg');
    expect(svg.status).toBe(200);
    expect(svg.headers['content-type']).toBe('image/svg+xml');
    expect(svg.headers['content-security-policy']).toContain("default-src 'none'");
    expect((await raw(port, '/bench')).body).toContain('<img src="/bench.svg"');
    expect((await raw(port, `/lessons/${lessons.find((l) => l.bench)?.id}`)).body).toContain('<img src="/bench.svg"');
    expect((await raw(port, '/')).body).toContain('href="/bench"');
  });

  it('streams the bus events, starting with the current state', async () => {
    const result: CheckResult = {
      lesson: { id: '01-single-thread', title: 'One process, one core' },
      dir: '/somewhere',
      ok: false,
      expectations: [{ name: 'GET / answers <b>', ok: false, expected: 'x', seen: 'y', hint: 'z', durationMs: 1 }],
      durationMs: 5,
    };
    const seen = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/events', agent: false, headers: { host: `localhost:${port}` } }, (res) => {
        expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
          if (text.includes('event: state') && !text.includes('event: check-finished')) {
            bus.emit({ type: 'check-started', lesson: '01-single-thread' });
            bus.emit({ type: 'check-finished', result });
            if (lessons[0]) workshop.pass(lessons[0]); // the workshop tells the bus
          }
          if (text.includes('event: progress')) {
            req.destroy();
            resolve(text);
          }
        });
      });
      req.on('error', reject);
      req.end();
    });
    expect(seen).toMatch(/^event: state\ndata: \{.*"current":/);
    expect(seen).toContain('event: check-started');
    expect(seen).toContain(`event: check-finished\ndata: ${JSON.stringify({ type: 'check-finished', result, view: resultView(result) })}`);
    const rows = workshop.rows().map((r) => ({ id: r.lesson.id, state: r.state }));
    expect(seen).toContain(`event: progress\ndata: ${JSON.stringify({ type: 'progress', passed: ['01-single-thread'], current: '02-cluster-fork', rows })}`);
    // The page renders progress it has heard about since.
    expect((await raw(port, '/')).body).toContain('class="lesson passed" data-lesson="01-single-thread"');
  });

  it('draws the running check\'s timeline live, and the finished one with its result', async () => {
    /** Read /events until `until` holds of what arrived. */
    const listen = (until: (text: string) => boolean, onState: () => void): Promise<string> =>
      new Promise<string>((resolve, reject) => {
        let stated = false;
        const req = request({ host: '127.0.0.1', port, path: '/events', agent: false, headers: { host: `127.0.0.1:${port}` } }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            text += c;
            if (!stated && text.includes('event: state')) {
              stated = true;
              onState();
            }
            if (until(text)) {
              req.destroy();
              resolve(text);
            }
          });
        });
        req.on('error', reject);
        req.end();
      });
    const events = lesson04();
    const half = events.filter((e) => e.atMs < 3700);
    const lesson = '04-restart-on-exit';
    const live = await listen(
      (t) => /event: timeline\ndata: .*data-pid=\\"52030\\"/.test(t),
      () => {
        bus.emit({ type: 'check-started', lesson });
        for (const event of half) bus.emit({ type: 'check-event', lesson, event });
      },
    );
    const data = JSON.parse(/event: timeline\ndata: (.*)/.exec(live)?.[1] ?? '{}') as { lesson: string; svg: string; expectation?: string };
    expect(data.lesson).toBe(lesson);
    expect(data.expectation).toBe('a worker killed with SIGKILL is replaced');
    expect(data.svg).toContain('class="timeline live"');
    expect([...data.svg.matchAll(/data-pid="(\d+)"/g)].map((m) => m[1])).toEqual(['52001', '52010', '52011', '52030']);

    // A page opened during the run gets the timeline so far with the state.
    const late = await listen((t) => t.includes('event: state'), () => {});
    expect(late).toMatch(/"live":\{"lesson":"04-restart-on-exit","svg":"<svg/);

    const result = resultWith(lesson, events, { name: 'a worker killed with SIGKILL is replaced' });
    const done = await listen((t) => t.includes('event: check-finished'), () => bus.emit({ type: 'check-finished', result }));
    const finished = JSON.parse(/event: check-finished\ndata: (.*)/.exec(done)?.[1] ?? '{}') as { view: { timeline?: string } };
    expect(finished.view.timeline).toMatch(/^<svg [^>]*class="timeline"/);
    expect(finished.view.timeline).toContain('data-pid="52030"');
    expect(finished.view.timeline).toContain('the check sent SIGKILL to worker 52010');
  });

  it('takes another port when the asked-for one is busy', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const busy = (blocker.address() as AddressInfo).port;
    const other = await startWeb({ port: busy, bus, workshop, runNow });
    try {
      expect(Number(new URL(other.url).port)).not.toBe(busy);
      expect((await raw(Number(new URL(other.url).port), '/')).status).toBe(200);
    } finally {
      await other.close();
      await new Promise((r) => blocker.close(r));
    }
  });
});
