// The page's own files, read once at start from fixed paths: the only static files served.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const own = (name: string): string => readFileSync(fileURLToPath(new URL(`assets/${name}`, import.meta.url)), 'utf8');

export const assets: ReadonlyMap<string, { readonly type: string; readonly body: string }> = new Map([
  ['/assets/style.css', { type: 'text/css; charset=utf-8', body: own('style.css') }],
  ['/assets/icon.svg', { type: 'image/svg+xml', body: own('icon.svg') }],
  ['/assets/app.js', { type: 'text/javascript; charset=utf-8', body: own('app.js') }],
  ['/assets/highlight.css', { type: 'text/css; charset=utf-8', body: readFileSync(require.resolve('highlight.js/styles/github.css'), 'utf8') }],
]);
