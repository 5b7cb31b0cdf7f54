// A lesson's README as HTML: markdown-it with raw HTML off (it is escaped, and javascript: links
// stay text), code highlighted by highlight.js, and links between lessons pointing at their pages.
import hljs from 'highlight.js';
import MarkdownIt from 'markdown-it';
import { lessons } from '../../course.ts';

const known = new Set(lessons.map((l) => l.id));

/** The page route of a lesson. */
export const lessonRoute = (id: string): string => `/lessons/${id}`;

function highlight(code: string, lang: string): string {
  const language = hljs.getLanguage(lang) ? lang : lang === 'sh' || lang === 'console' ? 'bash' : '';
  if (!language) return ''; // markdown-it escapes it
  return hljs.highlight(code, { language, ignoreIllegals: true }).value;
}

const md = new MarkdownIt({ html: false, linkify: false, typographer: false, highlight });

// A README sits at lessons/<id>/README.md; resolve its relative links from there and send links to
// another lesson (../02-cluster-fork/README.md, ../02-cluster-fork/) to that lesson's page.
const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  const token = tokens[idx];
  const href = token?.attrGet('href');
  if (token && href !== null && href !== undefined) {
    const target = rewriteHref(String(href), (env as { id?: string } | undefined)?.id ?? '');
    if (target.kind === 'external') {
      token.attrSet('rel', 'noopener noreferrer');
      token.attrSet('target', '_blank');
    } else if (target.kind === 'route') {
      token.attrSet('href', target.href);
    } else {
      // A file of the repo (server.ts, a solution): nothing to serve, the learner opens it in the editor.
      token.attrs = [
        ['class', 'file-link'],
        ['title', `${target.path} — open it in your editor`],
      ];
      token.tag = 'span';
      const close = tokens.slice(idx).find((t) => t.type === 'link_close');
      if (close) close.tag = 'span';
    }
  }
  return defaultLinkOpen(tokens, idx, options, env, self);
};

// The one picture a README may show from the workshop's state: the chart of `npm run bench`.
// Any other relative image has nothing behind it on the page (and nothing from elsewhere loads).
const defaultImage = md.renderer.rules.image ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.image = (tokens, idx, options, env, self) => {
  const token = tokens[idx];
  const src = String(token?.attrGet('src') ?? '');
  const id = (env as { id?: string } | undefined)?.id ?? '';
  if (token && src && !/^[a-z]+:/i.test(src) && new URL(src, `file:///lessons/${id}/README.md`).pathname === '/.workshop/bench/bench.svg') {
    token.attrSet('src', '/bench.svg');
  }
  return defaultImage(tokens, idx, options, env, self);
};

// Headings get ids, so that #anchors inside a README work.
md.renderer.rules.heading_open = (tokens, idx, options, _env, self) => {
  const inline = tokens[idx + 1];
  const slug = (inline?.content ?? '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .trim()
    .replace(/\s+/g, '-');
  if (slug) tokens[idx]?.attrSet('id', slug);
  return self.renderToken(tokens, idx, options);
};

type Target = { kind: 'external' } | { kind: 'route'; href: string } | { kind: 'file'; path: string };

/** Where a README link of lesson `id` should go on the page. */
export function rewriteHref(href: string, id: string): Target {
  if (/^https?:\/\//i.test(href) || /^mailto:/i.test(href)) return { kind: 'external' };
  if (href.startsWith('#')) return { kind: 'route', href };
  const base = new URL(`file:///lessons/${id}/README.md`);
  let url: URL;
  try {
    url = new URL(href, base);
  } catch {
    return { kind: 'file', path: href };
  }
  const m = /^\/lessons\/([^/]+)\/?(?:README\.md)?$/.exec(url.pathname);
  if (m?.[1] && known.has(m[1])) return { kind: 'route', href: lessonRoute(m[1]) + url.hash };
  return { kind: 'file', path: decodeURIComponent(url.pathname.slice(1)) };
}

/** Render one lesson's README (markdown text) to HTML. */
export function renderMarkdown(text: string, id: string): string {
  return md.render(text, { id });
}

/** Escape text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
