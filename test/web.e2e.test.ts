// The workshop page in a real browser (Debian's Chromium driven by playwright-core): the course
// list, a lesson, and the check result changing live when the learner saves a file.
// A small watch-like driver stands in for `npm start`: it checks lesson 01 on a copy of the starter
// whenever that copy changes or the page asks, and tells the bus — as the real watch loop does.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { basename, join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lessons } from '../course.ts';
import { checkLesson, root } from '../checks/lib/runner.ts';
import { nativeTypeScript } from '../checks/lib/runtime.ts';
import { WorkshopBus } from '../scripts/bus.ts';
import { startWeb, type WebServer } from '../scripts/web/server.ts';
import { openWorkshop, type Workshop } from '../scripts/workshop.ts';
import { lesson, processesAbout, solutionOf, starterOf } from './helpers.ts';

const chromiumPath = '/usr/bin/chromium';
const missing = !existsSync(chromiumPath);
// Outside CI a machine without Chromium skips, and says how to get it; CI installs it, so there it must run.
const skip = missing && !process.env.CI;
const title = skip
  ? `the workshop page in Chromium — SKIPPED: ${chromiumPath} is missing (apt-get install -y --no-install-recommends chromium)`
  : 'the workshop page in Chromium';
if (skip) console.warn(`web.e2e: ${chromiumPath} is missing, so the browser tests are skipped. Install it with: apt-get install -y --no-install-recommends chromium`);

const artifacts = join(root, 'test', 'artifacts');

/** Check lesson 01 on `dir` on every save and on request; one run at a time, a save during a run queues one more. */
class Driver {
  private running: Promise<void> | undefined;
  private again = false;
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  runs = 0;

  constructor(
    private readonly bus: WorkshopBus,
    private readonly workshop: Workshop,
    private readonly dir: string,
  ) {}

  watch(): void {
    this.watcher = watch(this.dir, () => {
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => this.run(), 150);
    });
  }

  run(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        this.runs++;
        const l = lesson('01');
        this.bus.emit({ type: 'check-started', lesson: l.id });
        const result = await checkLesson(l, this.dir);
        this.bus.emit({ type: 'check-finished', result });
        if (result.ok) this.workshop.pass(l); // the workshop tells the bus, as in npm start
      } while (this.again);
    })().finally(() => (this.running = undefined));
  }

  async close(): Promise<void> {
    this.watcher?.close();
    clearTimeout(this.debounce);
    this.again = false;
    await this.running;
  }
}

describe.skipIf(skip)(title, () => {
  let home: string;
  let workshop: Workshop;
  let bus: WorkshopBus;
  let work: string;
  let profile: string;
  let driver: Driver;
  let web: WebServer;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    // The learner's folder: a copy of the starter, inside the repo so that express resolves.
    work = mkdtempSync(join(artifacts, 'lesson-01-'));
    writeFileSync(join(work, 'server.ts'), readFileSync(join(starterOf('01'), 'server.ts')));
    profile = mkdtempSync(join(artifacts, 'chromium-profile-'));
    home = mkdtempSync(join(artifacts, 'home-'));
    workshop = openWorkshop({ WORKSHOP_HOME: home });
    bus = new WorkshopBus(workshop);
    driver = new Driver(bus, workshop, work);
    driver.watch();
    web = await startWeb({ port: 0, bus, workshop, runNow: () => driver.run() });
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      viewport: { width: 1440, height: 1000 },
    });
    page = context.pages()[0] ?? (await context.newPage());
  });

  afterAll(async () => {
    await context?.close();
    await web?.close();
    await driver?.close();
    const leftBrowsers = profile ? processesAbout(profile) : [];
    const leftPrograms = work ? processesAbout(work) : [];
    if (work) rmSync(work, { recursive: true, force: true });
    if (profile) rmSync(profile, { recursive: true, force: true });
    if (home) rmSync(home, { recursive: true, force: true });
    expect(leftBrowsers, 'Chromium processes left running').toEqual([]);
    expect(leftPrograms, 'checked programs left running').toEqual([]);
  });

  it('shows the course list, opens a lesson, and follows the check live as the learner saves', async () => {
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });

    // The course list with progress.
    await page.goto(web.url);
    await expect.poll(() => page.locator('nav.course li.lesson').count()).toBe(lessons.length);
    expect(await page.locator('nav.course .count').textContent()).toBe(`0 of ${lessons.length} lessons passed`);
    expect(await page.locator('li.lesson[data-lesson="01-single-thread"] .mark').textContent()).toBe('▶');
    expect(await page.locator('li.lesson[data-lesson="02-cluster-fork"] .mark').textContent()).toBe('·');
    await page.screenshot({ path: join(artifacts, 'web-course.png') });

    // Open lesson 01: its README, rendered.
    await page.locator('nav.course a', { hasText: 'One process, one core' }).click();
    await page.waitForURL(/\/lessons\/01-single-thread$/);
    expect(await page.locator('.readme h1').textContent()).toContain('One process, one core');
    expect(await page.locator('.readme pre code .hljs-string, .readme pre code .hljs-built_in').count()).toBeGreaterThan(0);
    await page.evaluate(() => Object.assign(window, { notReloaded: true }));

    // "Run check": the browser's own POST (same origin, with the page token) starts a run; the starter fails.
    await page.locator('#run').click();
    await page.locator('#result .verdict.fail').waitFor({ timeout: 60_000 });
    expect(driver.runs).toBe(1);
    const failed = page.locator('#result li.fail').first();
    expect(await failed.locator('.name').textContent()).toMatch(/keeps the CPU busy/);
    expect(await failed.locator('dt').allTextContents()).toContain('hint');
    expect(await page.locator('#result .summary').textContent()).toMatch(/^\d+ of \d+ expectations hold · [\d.]+ s$/);
    await page.screenshot({ path: join(artifacts, 'web-lesson-failing.png') });

    // The learner saves the fix: the result turns green without a reload, and the list moves on.
    // With a parameter property, which Node's type stripping refuses: judged through tsx there, and
    // the page says what `node server.ts` would stop at, as the terminal does.
    const paramProperty = '\nexport class Box {\n  constructor(readonly value: number) {}\n}\n';
    writeFileSync(join(work, 'server.ts'), readFileSync(join(solutionOf('01'), 'server.ts'), 'utf8') + paramProperty);
    await page.locator('#result .verdict.ok').waitFor({ timeout: 60_000 });
    expect(await page.locator('#result .summary').textContent()).toMatch(/^All \d+ expectations hold · [\d.]+ s$/);
    expect(await page.locator('#result li.fail').count()).toBe(0);
    if (nativeTypeScript) expect(await page.locator('#result .runtime-note').textContent()).toMatch(/would stop at:[\s\S]*parameter property/);
    else expect(await page.locator('#result .runtime-note').count()).toBe(0);
    await page.locator('li.lesson.passed[data-lesson="01-single-thread"]').waitFor();
    expect(await page.locator('li.lesson[data-lesson="01-single-thread"] .mark').textContent()).toBe('✓');
    expect(await page.locator('li.lesson[data-lesson="02-cluster-fork"] .mark').textContent()).toBe('▶');
    expect(await page.locator('#passed-count').textContent()).toBe('1');
    expect(await page.evaluate(() => 'notReloaded' in window)).toBe(true);
    await page.screenshot({ path: join(artifacts, 'web-lesson-passing.png') });

    // Breaking it again shows ✗ again, still without a reload.
    writeFileSync(join(work, 'server.ts'), readFileSync(join(starterOf('01'), 'server.ts')));
    await page.locator('#result .verdict.fail').waitFor({ timeout: 60_000 });
    expect(await page.evaluate(() => 'notReloaded' in window)).toBe(true);

    // The README's link to the next lesson goes to that lesson's page.
    await page.locator('.readme a[href="/lessons/02-cluster-fork"]').first().click();
    await page.waitForURL(/\/lessons\/02-cluster-fork$/);
    // A page opened later shows the latest result at once.
    await page.locator('#result .verdict.fail').waitFor({ timeout: 5_000 });

    expect(errors).toEqual([]);
  }, 240_000);

  it('draws the timeline of a real check, live while it runs: a lane for each pid that answered', async () => {
    // Lesson 02's solution: a primary and two workers taking turns. The check runs here, its
    // events going to the bus as npm start's watch loop sends them.
    const l = lesson('02');
    const tab = await context.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (err) => errors.push(err.message));
    await tab.goto(`${web.url}lessons/${l.id}`);
    await tab.locator('#status').waitFor();
    let liveSeen = false;
    const watching = tab
      .locator('#timeline.live svg.timeline.live g.lane')
      .first()
      .waitFor({ timeout: 60_000 })
      .then(() => (liveSeen = true), () => {});
    bus.emit({ type: 'check-started', lesson: l.id });
    const result = await checkLesson(l, solutionOf('02'), { onEvent: (event) => bus.emit({ type: 'check-event', lesson: l.id, event }) });
    await watching;
    bus.emit({ type: 'check-finished', result });
    expect(result.ok, JSON.stringify(result.expectations)).toBe(true);
    expect(liveSeen, 'the timeline was drawn while the check ran').toBe(true);

    await tab.locator('#timeline:not(.live) svg.timeline:not(.live)').waitFor({ timeout: 10_000 });
    const answered = [...new Set((result.timeline ?? []).flatMap((e) => (e.kind === 'request' && e.pid !== undefined && !e.failure ? [e.pid] : [])))];
    expect(answered.length, 'two workers answered').toBeGreaterThanOrEqual(2);
    const lanes = await tab.locator('#timeline svg g.lane').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-pid')));
    for (const pid of answered) expect(lanes, `a lane for pid ${pid}`).toContain(String(pid));
    for (const pid of answered) expect(await tab.locator(`#timeline svg g.lane[data-pid="${pid}"] rect.answered`).count(), `answers on ${pid}'s lane`).toBeGreaterThan(0);
    // Hover details: every mark carries its sentence.
    expect(await tab.locator('#timeline svg g.lane rect.answered title').first().textContent()).toMatch(/answered by pid \d+/);
    const shot = join(artifacts, 'web-timeline-02.png');
    await tab.locator('aside.check').screenshot({ path: shot });
    console.log(`web.e2e: the timeline of a real lesson 02 check: ${shot}`);
    expect(errors).toEqual([]);
    await tab.close();
  }, 240_000);

  it('works the same behind the real npm start', async () => {
    // npm start itself, on a copy of the lessons and a fresh progress file; CI would make it check once and exit.
    const home = mkdtempSync(join(artifacts, 'home-'));
    const lessonsCopy = mkdtempSync(join(artifacts, 'lessons-'));
    cpSync(starterOf('01'), join(lessonsCopy, '01-single-thread'), { recursive: true });
    mkdirSync(join(lessonsCopy, '02-cluster-fork'));
    const env: NodeJS.ProcessEnv = { ...process.env, WORKSHOP_HOME: home, WORKSHOP_LESSONS_DIR: lessonsCopy, NO_COLOR: '1' };
    delete env.CI;
    let child: ChildProcess | undefined;
    const pg = (): number | undefined => child?.pid;
    try {
      child = spawn(process.execPath, ['--import', 'tsx', 'scripts/cli.ts', 'start', '--port', '0'], { cwd: root, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      child.stdout?.setEncoding('utf8').on('data', (c: string) => (out += c));
      child.stderr?.setEncoding('utf8').on('data', (c: string) => (out += c));
      await expect.poll(() => /Follow along in a browser: (\S+)/.exec(out)?.[1], { timeout: 20_000 }).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const url = /Follow along in a browser: (\S+)/.exec(out)?.[1] ?? '';

      const tab = await context.newPage();
      await tab.goto(`${url}lessons/01-single-thread`);
      expect(await tab.locator('.files code').first().textContent()).toContain(`${basename(lessonsCopy)}/01-single-thread/`);
      // The check npm start runs at once fails on the starter.
      await tab.locator('#result .verdict.fail').waitFor({ timeout: 60_000 });
      writeFileSync(join(lessonsCopy, '01-single-thread', 'server.ts'), readFileSync(join(solutionOf('01'), 'server.ts')));
      await tab.locator('#result .verdict.ok').waitFor({ timeout: 60_000 });
      await tab.locator('li.lesson.passed[data-lesson="01-single-thread"]').waitFor({ timeout: 10_000 });
      expect(await tab.locator('li.lesson[data-lesson="02-cluster-fork"] .mark').textContent()).toBe('▶');
      await tab.close();
      expect(out, out).toContain('01-single-thread passed');
    } finally {
      const pid = pg();
      if (child && pid !== undefined && child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        process.kill(pid, 'SIGTERM');
        const timer = setTimeout(() => {
          try {
            process.kill(-pid, 'SIGKILL');
          } catch {
            // Gone already.
          }
        }, 10_000);
        await exited;
        clearTimeout(timer);
      }
      const left = processesAbout(lessonsCopy);
      rmSync(home, { recursive: true, force: true });
      rmSync(lessonsCopy, { recursive: true, force: true });
      expect(left, 'processes left by npm start').toEqual([]);
    }
  }, 240_000);
});
