// The page's HTML: one layout (course list · content · live check result) around the content.
// Everything interpolated is escaped here or was rendered by markdown-it with raw HTML off.
import { lessons } from '../../course.ts';
import { escapeHtml, lessonRoute } from './render.ts';

export interface ProgressView {
  readonly passed: readonly string[];
  readonly current: string | undefined;
}

export interface PageOptions {
  readonly title: string;
  /** Trusted HTML (rendered markdown or built here). */
  readonly body: string;
  readonly progress: ProgressView;
  /** The lesson whose page this is, highlighted in the list. */
  readonly open?: string;
  readonly token: string;
  readonly bench: boolean;
}

export function mark(id: string, progress: ProgressView): { sign: string; state: string; label: string } {
  if (progress.passed.includes(id)) return { sign: '✓', state: 'passed', label: 'passed' };
  if (progress.current === id) return { sign: '▶', state: 'current', label: 'current lesson' };
  return { sign: '·', state: 'todo', label: 'not passed yet' };
}

function courseList(p: PageOptions): string {
  const items = lessons.map((l) => {
    const m = mark(l.id, p.progress);
    const open = p.open === l.id ? ' aria-current="page"' : '';
    return `<li class="lesson ${m.state}" data-lesson="${escapeHtml(l.id)}"><a href="${lessonRoute(l.id)}"${open}><span class="mark" title="${m.label}">${m.sign}</span><span class="num">${escapeHtml(l.id.slice(0, 2))}</span><span class="name">${escapeHtml(l.title)}</span></a></li>`;
  });
  const bench = p.bench ? `<p class="extra"><a href="/bench"${p.open === 'bench' ? ' aria-current="page"' : ''}>📈 Benchmark chart</a></p>` : '';
  return `<nav class="course" aria-label="Lessons">
  <p class="count"><span id="passed-count">${p.progress.passed.length}</span> of ${lessons.length} lessons passed</p>
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
  <div id="result" class="result" aria-live="polite"></div>
  <p class="howto">Edit the lesson's files in your editor: the check runs again every time you save.</p>
</aside>
</div>
</body>
</html>
`;
}
