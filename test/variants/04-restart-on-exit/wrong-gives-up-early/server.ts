// wrong: gives up after 2 unstable deaths: one bad start or two can be bad luck (a port still
// held, a database restarting); the contract says 5 in a row.
// fails: not fewer
// Lesson 04 — replace workers that die.
// The cluster of lesson 03 (one worker per core, WORKERS to override), with the restart code most
// tutorials show: fork a new worker whenever one exits. Make it log why, let planned exits go,
// drain on SIGTERM, and give up on a crash loop instead of forking forever.
// Run it:  PORT=3000 node lessons/04-restart-on-exit/server.ts               (Node 22.18+, 24, 26)
//          PORT=3000 node --import tsx lessons/04-restart-on-exit/server.ts  (Node 20)
import cluster, { type Worker } from 'node:cluster';
import os from 'node:os';
import express from 'express';

const port = Number(process.env.PORT ?? 3000); // Don't change this line: the check picks the port.

if (cluster.isPrimary) {
  const raw = process.env.WORKERS ?? '';
  const count = raw === '' ? os.availableParallelism() : Number(raw);
  if (!Number.isInteger(count) || count < 1) {
    console.error(`WORKERS must be a whole number of at least 1, not "${raw}"`);
    process.exit(1);
  }
  console.log(`primary ${process.pid} forks ${count} workers`);

  // pm2 calls these min_uptime and max_restarts: a worker that dies before it listens, or sooner
  // than MIN_UPTIME_MS after, is unstable; MAX_UNSTABLE of those in a row mean the deploy is bad.
  const MIN_UPTIME_MS = 1000;
  const MAX_UNSTABLE = 2;
  const listeningAt = new Map<Worker, number>();
  let alive = 0; // our own count: a dead worker can still sit in cluster.workers during 'exit'
  let unstable = 0;
  let stopping = false; // SIGTERM: let every worker go
  let gaveUp = false; // crash loop: fork no more

  const fork = (): void => {
    if (stopping || gaveUp) return; // a retry scheduled before we stopped
    alive++;
    cluster.fork();
  };

  // Not 'online': that fires as the process starts, before your code (and tsx, on Node 20) has
  // even loaded (over a second on a busy machine), so a worker that crashes at start would look stable.
  cluster.on('listening', (worker) => listeningAt.set(worker, Date.now()));

  cluster.on('exit', (worker, code, signal) => {
    alive--;
    const why = signal ? `signal ${signal}` : `code ${code}`;
    // A worker that never listened served for 0 ms, as far as stability goes.
    const uptime = Date.now() - (listeningAt.get(worker) ?? Date.now());
    listeningAt.delete(worker);
    if (worker.exitedAfterDisconnect) {
      // We asked it to leave (worker.disconnect() on SIGTERM): nothing to replace.
      console.log(`worker ${worker.process.pid} left (${why})`);
    } else {
      console.log(`worker ${worker.process.pid} died (${why}) after serving for ${uptime} ms`);
      unstable = uptime < MIN_UPTIME_MS ? unstable + 1 : 0;
      if (unstable >= MAX_UNSTABLE) gaveUp = true;
      // Back off a little more after each unstable death (100, 200, 300, 400 ms); a stable death is
      // replaced at once.
      else setTimeout(fork, 100 * unstable);
    }
    if (alive > 0) return;
    if (stopping) process.exit(0);
    if (gaveUp) {
      console.error(`crash loop: ${MAX_UNSTABLE} workers in a row died within ${MIN_UPTIME_MS} ms of starting; giving up`);
      process.exit(1);
    }
  });

  // `kill PID` (and systemd, Docker, Kubernetes) ask the primary to stop with SIGTERM. disconnect()
  // closes each worker's server and lets it exit; exitedAfterDisconnect tells 'exit' not to replace it.
  process.on('SIGTERM', () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.disconnect();
    if (alive === 0) process.exit(0);
  });

  for (let i = 0; i < count; i++) fork();
} else {
  // A bad deploy on demand: with CRASH_ON_START=1 every worker dies as soon as it starts.
  if (process.env.CRASH_ON_START === '1') process.exit(1); // Don't change this line: the check uses it.

  const app = express();

  app.get('/', (_req, res) => {
    res.json({ pid: process.pid });
  });

  app.get('/crash', (_req, res) => {
    res.json({ pid: process.pid, crashing: true });
    // Express catches what a route throws; a throw from a timer is uncaught, like a real bug in a
    // callback: Node prints the stack and the process exits with code 1.
    setImmediate(() => {
      throw new Error(`worker ${process.pid} crashed on purpose (GET /crash)`);
    });
  });

  app.listen(port, '127.0.0.1', () => {
    console.log(`worker ${process.pid} listening on http://127.0.0.1:${port}`);
  });
}
