// The page's HTML: one layout (course list · content · live check result) around the content.
// Everything interpolated is escaped here or was rendered by markdown-it with raw HTML off.
import type { Lesson } from '../../course.ts';
import { marks } from '../views/marks.ts';
import type { Workshop } from '../workshop.ts';
import { escapeHtml, lessonRoute, renderMarkdown } from './render.ts';

export interface PageOptions {
  readonly title: string;
  /** Trusted HTML (rendered markdown or built here). */
  readonly body: string;
  readonly ws: Workshop;
  /** The lesson whose page this is, highlighted in the list. */
  readonly open?: string;
  readonly token: string;
  readonly bench: boolean;
}

function courseList(p: PageOptions): string {
  const rows = p.ws.rows();
  const items = rows.map(({ lesson: l, state }) => {
    const m = marks[state];
    const open = p.open === l.id ? ' aria-current="page"' : '';
    return `<li class="lesson ${state}" data-lesson="${escapeHtml(l.id)}"><a href="${lessonRoute(l.id)}"${open}><span class="mark" title="${m.label}">${m.sign}</span><span class="num">${escapeHtml(l.id.slice(0, 2))}</span><span class="name">${escapeHtml(l.title)}</span></a></li>`;
  });
  const bench = p.bench ? `<p class="extra"><a href="/bench"${p.open === 'bench' ? ' aria-current="page"' : ''}>📈 Benchmark chart</a></p>` : '';
  return `<nav class="course" aria-label="Lessons">
  <p class="count"><span id="passed-count">${rows.filter((r) => r.state === 'passed').length}</span> of ${rows.length} lessons passed</p>
  <ol>${items.join('')}</ol>${bench}
</nav>`;
}

export function page(p: PageOptions): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="workshop-token" content="${escapeHtml(p.token)}">
<title>${escapeHtml(p.title)} · cluster-workshop</title>
<link rel="icon" href="/assets/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/style.css">
<link rel="stylesheet" href="/assets/highlight.css">
<script src="/assets/app.js" defer></script>
</head>
<body>
<header class="top"><a class="brand" href="/">cluster-workshop</a><span class="tagline">use every core of your machine</span><span id="connection" class="connection" role="status"></span></header>
<div class="layout">
${courseList(p)}
<main class="content">${p.body}</main>
<aside class="check" aria-label="Check result">
  <div class="check-head"><h2>Check</h2><button id="run" type="button">Run check</button></div>
  <p id="status" class="status" role="status">Waiting for the first check…</p>
  <figure id="timeline" class="timeline-box" hidden><div id="timeline-svg"></div><figcaption>What happened: a lane per process, time left to right. Hover a mark for details.</figcaption></figure>
  <div id="result" class="result" aria-live="polite"></div>
  <p class="howto">Edit the lesson's files in your editor: the check runs again every time you save.</p>
</aside>
</div>
</body>
</html>
`;
}

const lessonName = (l: Lesson): string => `${escapeHtml(l.id.slice(0, 2))} · ${escapeHtml(l.title)}`;

export function benchFigure(): string {
  return '<figure class="bench"><img src="/bench.svg" alt="Requests per second and latency by number of workers, from npm run bench"><figcaption>Your last <code>npm run bench</code>.</figcaption></figure>';
}

/** A lesson's page: where its files are, its README, the chart on the benchmark lesson, previous/next. */
export function lessonBody(ws: Workshop, lesson: Lesson, readme: string | undefined, bench: boolean): string {
  const text = readme === undefined
    ? `<h1>${lessonName(lesson)}</h1><p>${escapeHtml(lesson.summary)}</p><p class="note">This lesson's README is not written yet.</p>`
    : renderMarkdown(readme, lesson.id);
  const where = `<p class="files">Your files: <code>${escapeHtml(ws.shown(ws.learnerDir(lesson)))}/</code> · a hint: <code>npm run hint</code></p>`;
  const i = ws.lessons.indexOf(lesson);
  const prev = ws.lessons[i - 1];
  const next = ws.lessons[i + 1];
  const pager = `<nav class="pager" aria-label="Previous and next lesson">${prev ? `<a href="${lessonRoute(prev.id)}">← ${escapeHtml(prev.title)}</a>` : '<span></span>'}${next ? `<a href="${lessonRoute(next.id)}">${escapeHtml(next.title)} →</a>` : ''}</nav>`;
  return `${where}<article class="readme">${text}</article>${bench && lesson.bench ? benchFigure() : ''}${pager}`;
}

/** The front page: what the course is, where to continue, every lesson with its summary. */
export function homeBody(ws: Workshop): string {
  const current = ws.current();
  const next = current
    ? `<p class="continue"><a class="button" href="${lessonRoute(current.id)}">Continue: ${lessonName(current)} →</a></p>`
    : '<p class="continue">Every lesson has passed. 🎉</p>';
  const cards = ws.lessons.map((l) => `<li><a href="${lessonRoute(l.id)}"><strong>${lessonName(l)}</strong></a><span>${escapeHtml(l.summary)}</span></li>`);
  return `<h1>Use every core of your machine</h1>
<p>Node runs your JavaScript on one core. In ${ws.lessons.length} short lessons you build, one step at a time, a server that uses all of them: each lesson below says what you build.</p>
${next}
<ol class="overview">${cards.join('')}</ol>`;
}
