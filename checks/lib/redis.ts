// A throw-away redis-server for a check: its own port and folder, no persistence, gone afterwards.
import net from 'node:net';
import type { CheckContext } from './check.ts';
import { Fatal } from './errors.ts';
import { freePort } from './http.ts';
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
}

export const redisInstall = {
  debian: 'sudo apt-get install -y redis-server',
  mac: 'brew install redis',
};

/** redis-server's full path, or a Fatal that says how to install it. */
export const requireRedis = (): string => findBinary('redis-server', redisInstall);

/** Answers PING with +PONG: the server is up and takes commands. */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      reply += d.toString('utf8');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.on('error', () => done(false));
  });
}

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
  };
}
