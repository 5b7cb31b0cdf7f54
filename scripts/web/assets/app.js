// The page's live part: listen to the workshop's events, show the latest check result (built from
// the CheckResult object with textContent only, never from HTML), update the course list, and ask
// for a new run. No framework: a few DOM helpers.
'use strict';

const token = document.querySelector('meta[name="workshop-token"]')?.getAttribute('content') ?? '';
const statusEl = document.getElementById('status');
const resultEl = document.getElementById('result');
const runButton = document.getElementById('run');
const connectionEl = document.getElementById('connection');
const timelineEl = document.getElementById('timeline');
const timelineSvgEl = document.getElementById('timeline-svg');

/** Create an element with a class and children (strings become text nodes). */
function el(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const child of children) node.append(child);
  return node;
}

/**
 * The same lines as the terminal: ✓/✗ per expectation, and expected / seen / hint under each ✗.
 * `view` (the stopped-early note, the summary) was decided on the server, once for both faces.
 */
function renderResult(r, view, when) {
  const head = el(
    'div',
    `verdict ${r.ok ? 'ok' : 'fail'}`,
    el('span', 'sign', r.ok ? '✓' : '✗'),
    el('span', 'title', r.ok ? 'Passed' : 'Not passing yet'),
    el('span', 'lesson', `${r.lesson.id} · ${r.lesson.title}`),
  );
  const list = el('ul', 'expectations');
  for (const e of r.expectations) {
    const item = el('li', e.ok ? 'ok' : 'fail', el('span', 'sign', e.ok ? '✓' : '✗'), el('span', 'name', e.name));
    if (!e.ok) {
      const details = el('dl', 'details');
      const add = (label, value) => {
        if (value) details.append(el('dt', label, label), el('dd', label, el('pre', '', value)));
      };
      if (e.expected !== e.name) add('expected', e.expected);
      add('seen', e.seen);
      add('hint', e.hint);
      if (details.childElementCount > 0) item.append(details);
    }
    list.append(item);
  }
  const parts = [head, el('p', 'dir', r.dir), list];
  if (view.stopped) parts.push(el('p', 'stopped', view.stopped));
  parts.push(el('p', `summary ${r.ok ? 'ok' : 'fail'}`, view.summary));
  // The terminal's notes too (a program run through tsx that `node server.ts` refuses), as text.
  for (const note of r.notes ?? []) parts.push(el('pre', 'runtime-note', note));
  resultEl.replaceChildren(...parts);
  resultEl.dataset.ok = String(r.ok);
  showTimeline(view.timeline, false);
  statusEl.textContent = when ? `Checked at ${when.toLocaleTimeString()}` : 'The last check';
  statusEl.className = 'status';
}

/**
 * The check's timeline: SVG text drawn on the server from the same result (scripts/views/timeline.ts
 * escapes every string in it). It is parsed as XML, never as HTML, and anything that is not drawing
 * is dropped on the way in; the page's CSP would not run a script anyway.
 */
function showTimeline(svgText, live) {
  if (!svgText) {
    timelineEl.hidden = true;
    timelineSvgEl.replaceChildren();
    return;
  }
  const doc = new DOMParser().parseFromString(svgText, 'image/svg+xml');
  const svg = doc.documentElement;
  if (svg.nodeName !== 'svg' || doc.getElementsByTagName('parsererror').length > 0) return;
  for (const bad of svg.querySelectorAll('script, foreignObject, a, image, use, animate, set')) bad.remove();
  for (const node of svg.querySelectorAll('*')) {
    for (const attr of [...node.attributes]) if (/^on/i.test(attr.name) || /href$/i.test(attr.name)) node.removeAttribute(attr.name);
  }
  timelineSvgEl.replaceChildren(document.importNode(svg, true));
  timelineEl.classList.toggle('live', live);
  timelineEl.hidden = false;
}

let running = false;

function showRunning(lesson) {
  running = true;
  statusEl.textContent = `Checking ${lesson}…`;
  statusEl.className = 'status running';
  resultEl.classList.add('stale');
  runButton.disabled = true;
}

/** The running check so far: the time, the expectation in progress, the lanes growing. */
function showLive(v) {
  if (!running) showRunning(v.lesson);
  const secs = (v.elapsedMs / 1000).toFixed(0);
  statusEl.textContent = `Checking ${v.lesson}… ${secs} s${v.expectation ? ` · ${v.expectation}` : ''}`;
  showTimeline(v.svg, true);
}

function showIdle() {
  running = false;
  resultEl.classList.remove('stale');
  runButton.disabled = false;
}

/** How each state looks: the server's one table (scripts/views/marks.ts), sent in the first event. */
let marks = {};

/** ✓ passed, ▶ current, · not yet — and "n of N". `rows`: each lesson's state, as the server decided it. */
function renderProgress(rows) {
  const states = new Map(rows.map((r) => [r.id, r.state]));
  for (const item of document.querySelectorAll('li.lesson')) {
    const state = states.get(item.dataset.lesson) ?? 'todo';
    item.classList.remove('passed', 'current', 'todo');
    item.classList.add(state);
    const sign = item.querySelector('.mark');
    const mark = marks[state];
    if (mark) {
      sign.textContent = mark.sign;
      sign.title = mark.label;
    }
  }
  document.getElementById('passed-count').textContent = String(rows.filter((r) => r.state === 'passed').length);
}

function connect() {
  const source = new EventSource('/events');
  source.addEventListener('open', () => {
    connectionEl.textContent = '';
    connectionEl.className = 'connection';
  });
  source.addEventListener('error', () => {
    connectionEl.textContent = 'Not connected: is npm start still running?';
    connectionEl.className = 'connection lost';
    runButton.disabled = true;
  });
  source.addEventListener('state', (m) => {
    const s = JSON.parse(m.data);
    marks = s.marks;
    renderProgress(s.rows);
    if (s.latest) renderResult(s.latest, s.view);
    else if (!s.running) statusEl.textContent = 'No check has run yet: save a file, or press Run check.';
    if (s.running) showRunning(s.running);
    else showIdle();
    if (s.live) showLive(s.live);
  });
  source.addEventListener('timeline', (m) => showLive(JSON.parse(m.data)));
  source.addEventListener('progress', (m) => {
    renderProgress(JSON.parse(m.data).rows);
  });
  source.addEventListener('check-started', (m) => showRunning(JSON.parse(m.data).lesson));
  source.addEventListener('check-finished', (m) => {
    const e = JSON.parse(m.data);
    renderResult(e.result, e.view, new Date());
    showIdle();
  });
}

runButton.addEventListener('click', async () => {
  runButton.disabled = true;
  try {
    const res = await fetch('/run', { method: 'POST', headers: { 'x-workshop-token': token } });
    if (!res.ok) throw new Error(await res.text());
  } catch (err) {
    statusEl.textContent = `Could not start the check: ${err instanceof Error ? err.message : err}`;
  }
  if (!running) runButton.disabled = false;
});

connect();
