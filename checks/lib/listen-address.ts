// Which addresses a process's listening TCP sockets are bound to: 127.0.0.1 (this machine only) or
// every interface (0.0.0.0, ::), which a connection to 127.0.0.1 cannot tell apart. Linux reads
// /proc; elsewhere (macOS) it asks lsof. In a cluster the primary holds the socket its workers share.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { App } from './app.ts';
import type { CheckContext } from './check.ts';
import { unmet } from './errors.ts';
import { listeningPorts, socketInodes, tcpRows } from './proc.ts';

export interface ListenAddress {
  /** '127.0.0.1', '0.0.0.0', '::', '::1', … ('*' from lsof: every interface). */
  readonly host: string;
  readonly port: number;
}

/** /proc/net/tcp writes an IPv4 address as 8 hex digits, little-endian; tcp6 as four such words. */
function decode(hex: string): string {
  const bytes = (word: string): number[] => [6, 4, 2, 0].map((i) => parseInt(word.slice(i, i + 2), 16));
  if (hex.length === 8) return bytes(hex).join('.');
  const all = [0, 8, 16, 24].flatMap((i) => bytes(hex.slice(i, i + 8)));
  if (all.slice(0, 10).every((b) => b === 0) && all[10] === 255 && all[11] === 255) return all.slice(12).join('.'); // ::ffff:a.b.c.d
  const groups = Array.from({ length: 8 }, (_, i) => (((all[2 * i] ?? 0) << 8) | (all[2 * i + 1] ?? 0)).toString(16));
  const text = groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
  return text === '::0' ? '::' : text;
}

export function listenAddresses(pids: readonly number[]): ListenAddress[] {
  if (pids.length === 0) return [];
  let hasProc = true;
  try {
    readFileSync('/proc/self/stat');
  } catch {
    hasProc = false;
  }
  if (!hasProc) {
    try {
      const out = execFileSync('lsof', ['-nP', '-a', '-p', pids.join(','), '-iTCP', '-sTCP:LISTEN', '-Fn'], { encoding: 'utf8' });
      return [...out.matchAll(/^n\[?([^\]\s]*?)\]?:(\d+)$/gm)].map((m) => ({ host: m[1] ?? '*', port: Number(m[2]) }));
    } catch {
      return [];
    }
  }
  const inodes = socketInodes(pids);
  const found: ListenAddress[] = [];
  for (const f of tcpRows()) {
    const [hex, port] = f[1]?.split(':') ?? [];
    // st 0A is LISTEN; the inode is the 10th field.
    if (f[3] === '0A' && f[9] && inodes.has(f[9]) && hex && port) found.push({ host: decode(hex), port: parseInt(port, 16) });
  }
  return found;
}

const loopback = (host: string): boolean => /^127\./.test(host) || host === '::1';

/**
 * A check's expectation "listens on 127.0.0.1 only": the addresses other than loopback that any of
 * these processes listens on `port` with ("0.0.0.0", "::": every interface). Empty when none.
 */
export function exposedAddresses(pids: readonly number[], port: number): string[] {
  return [...new Set(listenAddresses(pids).filter((a) => a.port === port && !loopback(a.host)).map((a) => a.host))];
}

/** The hint for it, the same in every lesson. */
export const LOOPBACK_HINT = "Pass '127.0.0.1' as listen()'s host: app.listen(port, '127.0.0.1', …). With no host, '0.0.0.0' or '::', Node listens on every network interface, and other machines can reach your server.";

/**
 * The expectation itself, the same in every lesson whose contract says 127.0.0.1: none of `app`'s
 * processes listens on its port on another address.
 */
export function expectLoopbackOnly(t: Pick<CheckContext, 'expect'>, app: App, name = 'PORT is bound to 127.0.0.1 only, not to every network interface'): Promise<void> {
  return t.expect(name, LOOPBACK_HINT, async () => {
    const exposed = exposedAddresses(app.program.members(), app.port);
    const every = exposed.every((h) => ['0.0.0.0', '::', '*'].includes(h));
    if (exposed.length > 0) unmet(`port ${app.port} bound to 127.0.0.1`, `port ${app.port} is bound to ${exposed.map((h) => `"${h}"`).join(' and ')}: ${every ? 'every network interface' : 'an address other machines can reach'}`);
  });
}

/** The primary's listening TCP ports besides PORT: it holds PORT's socket for its workers (that is how they share it); any other is a server of its own. */
export function primaryOwnPorts(app: App): number[] {
  return listeningPorts([app.pid]).filter((port) => port !== app.port);
}

/** The expectation that the primary serves no HTTP of its own: no port but PORT. */
export function expectPrimaryPortOnly(t: Pick<CheckContext, 'expect'>, app: App, hint: string): Promise<void> {
  return t.expect('the primary answers no HTTP: it listens on no port of its own', hint, async () => {
    const ports = primaryOwnPorts(app);
    if (ports.length > 0) unmet(`no port but PORT ${app.port} (held for the workers)`, `the primary (${app.pid}) also listens on port ${ports.join(', ')}`);
  });
}
