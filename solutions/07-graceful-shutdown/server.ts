// Lesson 07 — graceful shutdown and rolling restart.
// A cluster that never drops a request: SIGTERM drains every worker and exits 0, SIGHUP replaces
// the workers one at a time. GET /slow?ms=N answers after N ms, so there is something in flight.
// Run it:  PORT=3000 node lessons/07-graceful-shutdown/server.ts               (Node 22.18+, 24, 26)
//          PORT=3000 node --import tsx lessons/07-graceful-shutdown/server.ts  (Node 20)
//          then, in another terminal:  kill -HUP <primary pid>   or   kill -TERM <primary pid>
import cluster, { type Worker } from 'node:cluster';
import type { Socket } from 'node:net';
import { availableParallelism } from 'node:os';
import express from 'express';

const port = Number(process.env.PORT ?? 3000); // Don't change this line: the check picks the port.
const DRAIN_MS = 3000; // a worker that has not finished its requests by then is killed

function workerCount(): number {
  const raw = process.env.WORKERS ?? '';
  if (raw === '') return availableParallelism();
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`WORKERS must be a whole number of at least 1, not "${raw}"`);
    process.exit(1);
  }
  return n;
}

if (cluster.isPrimary) {
  const count = workerCount();
  let stopping = false;
  let rolling = false;

  // cluster.workers forgets a worker the moment you call disconnect() on it, while it still drains
  // its requests (Node's lib/internal/cluster/primary.js: disconnect() calls removeWorker(); the docs
  // say "after the worker has disconnected and exited"). So the primary keeps its own set of the
  // workers alive, and stops each one once: a second disconnect() makes a draining worker throw.
  const alive = new Set<Worker>();
  cluster.on('fork', (worker) => alive.add(worker));
  cluster.on('exit', (worker) => alive.delete(worker));
  const leaving = new Map<Worker, Promise<void>>();

  /** Ask one worker to leave gracefully; resolves once it has exited. Asked twice, it asks once. */
  function stopWorker(worker: Worker): Promise<void> {
    const asked = leaving.get(worker);
    if (asked) return asked;
    const gone = new Promise<void>((resolve) => {
      // disconnect() closes the worker's server (no new connections come to it), lets the requests
      // it holds finish, then the worker exits 0 by itself. The timer is for one that never finishes.
      const timer = setTimeout(() => worker.process.kill('SIGKILL'), DRAIN_MS);
      worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      worker.disconnect();
    });
    leaving.set(worker, gone);
    return gone;
  }

  /** Fork one worker; resolves when it listens, so it can take connections. */
  function forkListening(): Promise<Worker> {
    return new Promise((resolve, reject) => {
      const worker = cluster.fork();
      worker.once('listening', () => resolve(worker));
      worker.once('exit', () => reject(new Error(`worker ${worker.process.pid} exited before it listened`)));
    });
  }

  async function rollingRestart(): Promise<void> {
    if (rolling || stopping) return;
    rolling = true;
    console.log(`primary ${process.pid}: rolling restart of ${count} workers`);
    try {
      // One at a time, the new one first: there are always `count` workers taking connections.
      for (const old of Object.values(cluster.workers ?? {})) {
        if (!old || stopping) continue;
        await forkListening();
        await stopWorker(old);
      }
    } catch (err) {
      console.error(`primary ${process.pid}: rolling restart stopped: ${(err as Error).message}`);
    }
    rolling = false;
  }

  async function shutdown(): Promise<void> {
    if (stopping) return;
    stopping = true;
    console.log(`primary ${process.pid}: draining ${alive.size} workers`);
    // No new work is coming, so all of them drain at once; exit only when the last one is gone.
    // Every one alive: one a rolling restart is draining is no longer in cluster.workers.
    await Promise.all([...alive].map(stopWorker));
    console.log(`primary ${process.pid}: every worker has exited, bye`);
    process.exit(0);
  }

  cluster.on('exit', (worker, code, signal) => {
    // A worker we asked to leave (disconnect) is not replaced; one that crashed is (lesson 04).
    if (stopping || worker.exitedAfterDisconnect) return;
    console.log(`worker ${worker.process.pid} died (${signal ?? code}), starting a new one`);
    cluster.fork();
  });

  process.on('SIGHUP', () => void rollingRestart());
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());

  for (let i = 0; i < count; i++) cluster.fork();
  console.log(`primary ${process.pid} started ${count} workers on http://127.0.0.1:${port}`);
} else {
  const app = express();

  app.get('/', (_req, res) => {
    res.json({ pid: process.pid });
  });

  app.get('/slow', (req, res) => {
    const ms = Number(req.query.ms ?? 1000);
    if (!Number.isInteger(ms) || ms < 0 || ms > 10_000) {
      res.status(400).json({ error: 'ms must be a whole number from 0 to 10000' });
      return;
    }
    setTimeout(() => res.json({ pid: process.pid, ms }), ms);
  });

  const server = app.listen(port, '127.0.0.1');

  // Node 26's server.close(), which disconnect() calls, also resets every connection that has not
  // sent its request yet (nodejs/node#63470; Node 20 and 24 keep them). In a cluster one of those is
  // a connection the primary handed this worker a moment before telling it to leave: its request
  // has arrived, the worker just has not read it. So close at once only the connections waiting
  // between two requests (keep-alive), as Node 20 and 24 do; the others are served first.
  const betweenRequests = new Set<Socket>();
  server.on('connection', (socket) => socket.once('close', () => betweenRequests.delete(socket)));
  server.on('request', (req, res) => {
    betweenRequests.delete(req.socket);
    res.once('finish', () => {
      if (!req.socket.destroyed) betweenRequests.add(req.socket);
    });
  });
  server.closeIdleConnections = () => betweenRequests.forEach((socket) => socket.destroy());

  // SIGTERM sent to a worker itself (kill <pid>, an orchestrator, a primary's worker.kill()): the
  // same graceful path as the primary's worker.disconnect(). It closes the server, finishes the
  // requests held, then waits for the primary's acknowledgement before it lets go, so a connection
  // handed to it meanwhile is sent back, not lost; and the primary learns the exit was planned.
  process.on('SIGTERM', () => cluster.worker?.disconnect());
  // Ctrl-C signals the whole group: let the primary decide, so in-flight requests still finish.
  process.on('SIGINT', () => {});
}
