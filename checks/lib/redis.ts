// A throw-away redis-server for a check: its own port and folder, no persistence, gone afterwards.
import net from 'node:net';
import type { CheckContext } from './check.ts';
import { Fatal } from './errors.ts';
import { freePort, sleep } from './http.ts';
import { findBinary, Service, tempFolder, waitReady } from './service.ts';

export interface Redis {
  readonly port: number;
  /** `redis://127.0.0.1:PORT`, what the learner's program reads from REDIS_URL. */
  readonly url: string;
  /** Its temporary folder (removed by the clean-up). */
  readonly dir: string;
  /** Freeze redis-server (SIGSTOP): its clients' commands wait, unanswered, until resume(). */
  pause(): void;
  resume(): void;
  /** FLUSHALL: every key gone, as in a Redis just started. */
  flush(): Promise<void>;
}

export const redisInstall = {
  debian: 'sudo apt-get install -y redis-server',
  mac: 'brew install redis',
};

/** redis-server's full path, or a Fatal that says how to install it. */
export const requireRedis = (): string => findBinary('redis-server', redisInstall);

/** The first line of the server's reply to an inline command (`PING`), or undefined (no answer within timeoutMs, or an error). */
function command(port: number, line: string, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    const done = (answer: string | undefined): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(undefined));
    socket.on('connect', () => socket.write(`${line}\r\n`));
    socket.on('data', (d) => {
      reply += d.toString('utf8');
      const end = reply.indexOf('\r\n');
      if (end >= 0) done(reply.slice(0, end));
    });
    socket.on('error', () => done(undefined));
  });
}

/** Answers PING with +PONG: the server is up and takes commands. */
const pong = async (port: number): Promise<boolean> => (await command(port, 'PING', 500)) === '+PONG';

/** Start redis-server on a free port; stopped and its folder removed on every path (t.defer). */
export async function startRedis(t: Pick<CheckContext, 'defer'>): Promise<Redis> {
  const bin = requireRedis();
  const port = await freePort();
  const folder = tempFolder('redis');
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', folder.dir, '--daemonize', 'no', '--logfile', ''];
  const service = new Service(bin, args, folder.dir);
  t.defer(async () => {
    service.signalGroup('SIGCONT'); // a paused server would only take its SIGTERM once resumed
    await service.stop();
    folder.remove();
  });
  const state = await waitReady(service, () => pong(port), 5000);
  if (state !== 'ready') {
    throw new Fatal(`redis-server did not start on port ${port} (${state === 'exited' ? 'it exited' : 'no answer to PING within 5 s'}). Its output:`, service.output.trim().split('\n').slice(-8).join('\n'));
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir: folder.dir,
    pause: () => service.signalGroup('SIGSTOP'),
    resume: () => service.signalGroup('SIGCONT'),
    async flush() {
      const answer = await command(port, 'FLUSHALL', 5000);
      if (answer !== '+OK') throw new Error(`the check's redis-server answered FLUSHALL with ${answer ?? 'nothing within 5 s'}`);
    },
  };
}

export interface RedisRelay {
  /** `redis://127.0.0.1:PORT` of the relay: what the learner's program gets as REDIS_URL. */
  readonly url: string;
  /** The Date.now() at which each SUBSCRIBE, PSUBSCRIBE or SSUBSCRIBE was passed on, after its hold. */
  readonly subscribesPassed: readonly number[];
}

/** A subscribe command as RESP writes it (`*2\r\n$9\r\nSUBSCRIBE\r\n…`), any case. */
const SUBSCRIBE = /\$(?:9\r\nsubscribe|10\r\n[ps]subscribe)\r\n/gi;

/**
 * A TCP relay in front of `redis` that holds every subscribe command back for `holdMs` before
 * passing it on (and what a client sends after it, in order). A worker that waits for its
 * subscription before it listens cannot listen before the subscribe was passed on; one that does
 * not listens at least `holdMs` before. Closed on every path (t.defer).
 */
export async function startRedisRelay(t: Pick<CheckContext, 'defer'>, redis: Redis, holdMs: number): Promise<RedisRelay> {
  const passed: number[] = [];
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket): net.Socket => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {}); // its pair is destroyed on 'close'
    return socket;
  };
  const server = net.createServer((client) => {
    const upstream = track(net.connect(redis.port, '127.0.0.1'));
    track(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    upstream.on('data', (d) => client.write(d));
    let queue = Promise.resolve();
    let tail = ''; // the end of the previous chunk: a command split between two is still seen
    client.on('data', (chunk) => {
      const text = tail + chunk.toString('latin1');
      const held = [...text.matchAll(SUBSCRIBE)].filter((m) => m.index + m[0].length > tail.length).length;
      tail = text.slice(-24);
      queue = queue.then(async () => {
        if (held > 0) {
          await sleep(holdMs);
          for (let i = 0; i < held; i++) passed.push(Date.now()); // before the write: the reply comes after
        }
        if (!upstream.destroyed) upstream.write(chunk);
      });
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  t.defer(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `redis://127.0.0.1:${port}`, subscribesPassed: passed };
}
