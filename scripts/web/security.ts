// Who may talk to the page's server. It binds 127.0.0.1 only, but a page on another site can still
// reach it through the browser: by DNS rebinding (its own name pointed at 127.0.0.1, so the Host is
// that name) or by a cross-site form/fetch (the Origin is that site). Both are refused.
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';

/** The only Host values we answer: the address we print, under either local name. */
export function allowedHosts(port: number): ReadonlySet<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
}

/** The only origins allowed to send requests with an Origin header (fetch, POST, EventSource). */
export function allowedOrigins(port: number): ReadonlySet<string> {
  return new Set([...allowedHosts(port)].map((h) => `http://${h}`));
}

/** Why a request must be refused, or undefined when it may go on. */
export function refusal(req: IncomingMessage, port: number): string | undefined {
  const host = req.headers.host;
  if (!host || !allowedHosts(port).has(host.toLowerCase())) return `Host ${JSON.stringify(host ?? '')} is not this workshop's address`;
  const origin = req.headers.origin;
  if (origin !== undefined && !allowedOrigins(port).has(origin.toLowerCase())) return `Origin ${JSON.stringify(origin)} is not this workshop's page`;
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    // A browser tells us the request came from another site; a link from elsewhere only may open a page.
    if (req.method !== 'GET' || req.headers['sec-fetch-mode'] !== 'navigate') return `a request from another site (${site})`;
  }
  return undefined;
}

/**
 * A state-changing request (running a check) needs more than a matching Origin when there is one:
 * an Origin is required, and the page's per-session token must come along in a header, which a
 * plain cross-site form cannot set.
 */
export function refusePost(req: IncomingMessage, port: number, token: string): string | undefined {
  const origin = req.headers.origin;
  if (origin === undefined || !allowedOrigins(port).has(origin.toLowerCase())) return 'a POST must come from the workshop page (Origin)';
  if (req.headers['x-workshop-token'] !== token) return 'a POST must carry the page\'s token';
  return undefined;
}

/** Sent with every answer: nothing from elsewhere loads, nothing is sniffed, no one frames us. */
export const securityHeaders: OutgoingHttpHeaders = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};
