// HTTP to the learner's program: 127.0.0.1 only, a new connection per request (keep-alive would
// pin the check to one worker), and a timeout on every request (a connection handed to a dying
// worker hangs instead of resetting).
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { currentTimeline, failureOf } from './timeline.ts';

export interface Reply {
  readonly status: number;
  readonly body: string;
  /** The parsed body when it is JSON, else undefined. */
  readonly json: unknown;
  readonly ms: number;
  /** The Content-Type header where the check read it ("application/json; charset=utf-8" from res.json()), '' when there was none. */
  readonly type?: string;
}

export interface RequestOptions {
  readonly method?: string;
  readonly body?: unknown;
  readonly timeoutMs?: number;
  /** Connect, then send the request only this many ms later (a client on a slow network). Default 0. */
  readonly writeDelayMs?: number;
  /** With writeDelayMs: called as the delayed request is handed to the connected socket. */
  readonly onWrite?: () => void;
  /** Which answers the timeline draws as answered, not failed (default: status 2xx). */
  readonly expected?: (status: number) => boolean;
  /** A keep-alive agent: the request goes on its connection (default: a new connection, closed after). */
  readonly agent?: http.Agent;
  /**
   * Aborted when the check stops waiting for it: the timeline records it as failed then, as the
   * check's text counts it, and not again when it ends. The request goes on: closing it would
   * change what the program sees.
   */
  readonly giveUp?: AbortSignal;
}

/** A request that did not get an answer: refused, reset, timed out. The message is for the learner. */
export class RequestFailed extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** Per `port path` (GET only): requests the program answered, and ones that may have reached it unanswered. */
const gets = new Map<string, { answered: number; unsure: number }>();

/**
 * How many GETs of `path` this process sent to `port` that the program answered (any status), and
 * how many more it may have served without the answer arriving (reset or timed out; a refused one
 * reached nobody). Ports are never handed out twice (freePort), so a port is one program's.
 */
export function getsSent(port: number, path: string): { readonly answered: number; readonly unsure: number } {
  const count = gets.get(`${port} ${path}`);
  return count ? { ...count } : { answered: 0, unsure: 0 }; // a copy: the tally goes on
}

function tally(port: number, path: string, outcome: 'answered' | 'unsure'): void {
  const key = `${port} ${path}`;
  const count = gets.get(key) ?? { answered: 0, unsure: 0 };
  count[outcome]++;
  gets.set(key, count);
}

export function request(port: number, path: string, opts: RequestOptions = {}): Promise<Reply> {
  const method = opts.method ?? 'GET';
  const timeoutMs = opts.timeoutMs ?? 5000;
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const started = performance.now();
  const timeline = currentTimeline(); // the check run this request belongs to, if any
  const shown = method === 'GET' ? { port } : { port, method };
  return new Promise((resolve, reject) => {
    let settled = false; // a destroyed request still emits 'error': one outcome per request
    let recorded = false; // in the timeline: at its end, or when the check gave up on it
    const record = (entry: Parameters<NonNullable<typeof timeline>['request']>[0]): void => {
      if (recorded) return;
      recorded = true;
      timeline?.request(entry);
    };
    const onGiveUp = (): void => record({ kind: 'request', path, ...shown, failure: 'timeout', durationMs: Math.round(performance.now() - started) });
    // Removed once settled: a load's thousands of requests share one signal.
    const settle = (): void => {
      settled = true;
      opts.giveUp?.removeEventListener('abort', onGiveUp);
    };
    opts.giveUp?.addEventListener('abort', onGiveUp, { once: true });
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method,
        agent: opts.agent ?? false,
        headers: {
          connection: opts.agent ? 'keep-alive' : 'close',
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => fail(err));
        res.on('end', () => {
          clearTimeout(timer);
          const body = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(body);
          } catch {
            json = undefined;
          }
          if (settled) return;
          settle();
          if (method === 'GET') tally(port, path, 'answered');
          const reply: Reply = { status: res.statusCode ?? 0, body, json, ms: performance.now() - started, type: res.headers['content-type'] ?? '' };
          if (timeline) {
            const pid = pidOf(reply);
            const ok = opts.expected ? opts.expected(reply.status) : reply.status >= 200 && reply.status < 300;
            record({ kind: 'request', path, ...shown, ...(pid === undefined ? {} : { pid }), status: reply.status, ...(ok ? {} : { failure: 'status' as const }), durationMs: Math.round(reply.ms) });
          }
          resolve(reply);
        });
      },
    );
    const failed = (err: RequestFailed): void => {
      if (settled) return;
      settle();
      if (method === 'GET' && err.code !== 'ECONNREFUSED') tally(port, path, 'unsure');
      record({ kind: 'request', path, ...shown, failure: failureOf(err.code), durationMs: Math.round(performance.now() - started) });
      reject(err);
    };
    const timer = setTimeout(() => {
      req.destroy();
      failed(new RequestFailed(`${method} ${path} got no answer within ${timeoutMs} ms`, 'TIMEOUT'));
    }, timeoutMs);
    function fail(err: NodeJS.ErrnoException): void {
      clearTimeout(timer);
      const code = err.code ?? 'ERROR';
      const why =
        code === 'ECONNREFUSED'
          ? 'the connection was refused (nothing listens on the port)'
          : code === 'ECONNRESET' || code === 'EPIPE'
            ? 'the connection was reset before an answer came (the process serving it died?)'
            : err.message;
      failed(new RequestFailed(`${method} ${path}: ${why}`, code));
    }
    req.on('error', fail);
    const delay = opts.writeDelayMs ?? 0;
    // No byte leaves before end(): the connection is open, the server has nothing to read yet.
    const write = (): void => {
      if (settled) return;
      opts.onWrite?.();
      req.end(payload);
    };
    if (delay > 0) req.once('socket', (s) => s.once('connect', () => setTimeout(write, delay)));
    else req.end(payload);
  });
}

/** The pid in a `{"pid": N}` answer, or undefined. */
export function pidOf(reply: Reply): number | undefined {
  const json = reply.json;
  if (typeof json === 'object' && json !== null && 'pid' in json) {
    const pid = (json as { pid: unknown }).pid;
    if (typeof pid === 'number' && Number.isInteger(pid) && pid > 0) return pid;
  }
  return undefined;
}

/**
 * What an answer says it is, where that is not JSON ("Content-Type: text/html; charset=utf-8", or
 * "no Content-Type"); undefined for application/json (and +json types), and where the check did not
 * read the header.
 */
export function notJsonType(reply: Reply): string | undefined {
  if (reply.type === undefined) return undefined;
  if (reply.type === '') return 'no Content-Type';
  return /^application\/([\w.-]+\+)?json\b/i.test(reply.type) ? undefined : `Content-Type: ${reply.type}`;
}

/** The hint for an answer whose Content-Type is not JSON's. */
export const JSON_TYPE_HINT = "Answer with res.json(…): it sets Content-Type: application/json. res.send() of a string says text/html, and plain http says nothing unless you set it: res.writeHead(200, { 'content-type': 'application/json' }).";

/** Ports already given to a program by this process: the kernel may offer a closed one again. */
const handedOut = new Set<number>();

/**
 * A port nobody listens on right now, below the ports outgoing connections take (candidatePort),
 * and never one this process handed out before: a check that starts several programs at once must
 * not give two of them the same PORT.
 * Nor one that another check on this machine handed out a moment ago (see claim()).
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await candidatePort();
    if (!handedOut.has(port) && (await claim(port))) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no fresh free port after 50 tries');
}

/**
 * How long a claim holds: past the slowest start a check waits for (45 s). Once the program
 * listens, the kernel hands the port to nobody else anyway.
 */
const CLAIM_MS = 60_000;

/**
 * Claim a port for this process, machine-wide, from the moment it is handed out until its program
 * has had time to listen on it. Two check processes at once (the test suite's workers, repeat runs
 * side by side) could each get the same free port from the kernel before either program listened:
 * one program then failed to listen, and its check talked to the other's (2 runs in about 800 under
 * six count runs side by side). The claim is a Linux abstract socket, named after the port: binding
 * it fails for every other process while this one holds it, and the kernel drops it when this
 * process ends, however it ends. Where there is none (macOS), every port counts as claimed.
 */
export async function claim(port: number): Promise<boolean> {
  if (process.platform !== 'linux') return true;
  const lock = net.createServer();
  const held = await new Promise<boolean>((resolve) => {
    lock.once('error', (err: NodeJS.ErrnoException) => resolve(err.code !== 'EADDRINUSE'));
    lock.listen({ path: `\0cluster-workshop-port-${port}` }, () => resolve(true));
  });
  if (lock.listening) {
    lock.unref();
    setTimeout(() => lock.close(), CLAIM_MS).unref();
  }
  return held;
}

/**
 * The ports Linux gives the local end of outgoing connections (ip_local_port_range). A port chosen
 * from them may be taken a moment later by a client's connection, and a program that then listens
 * on it fails with EADDRINUSE: seen once in 20 runs of a right lesson-04 program at load 15, its
 * worker's listen() relayed "bind EADDRINUSE" from the primary. So a program's PORT comes from
 * below the range. Undefined where there is no such file (macOS: the kernel's choice, as before).
 */
function ephemeralFloor(): number | undefined {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > LOWEST_PORT + 1000 ? low : undefined;
  } catch {
    return undefined;
  }
}
/** Below the ports of well-known services (redis 6379, 8080 and the like). */
const LOWEST_PORT = 10_000;

/** A port that 127.0.0.1 can be bound to right now: below the ephemeral range where there is one. */
async function candidatePort(): Promise<number> {
  const floor = ephemeralFloor();
  if (floor === undefined) return kernelPort();
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = LOWEST_PORT + Math.floor(Math.random() * (floor - LOWEST_PORT));
    if ((await bindLoopback(port)) !== undefined) return port;
  }
  return kernelPort();
}

/** Bind 127.0.0.1:`port` (0: the kernel's choice) and let go: the port bound, or undefined if taken. */
function bindLoopback(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

async function kernelPort(): Promise<number> {
  const port = await bindLoopback(0);
  if (port === undefined) throw new Error('could not bind 127.0.0.1 to any port');
  return port;
}

/** Waits `ms`; none when `ms` is 0 or less (Node 24 warns of a negative timeout on stderr). */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));
