// Lesson 04 — replace workers that die.
// The cluster of lesson 03 (one worker per core, WORKERS to override), with the restart code most
// tutorials show: fork a new worker whenever one exits. Make it log why, let planned exits go,
// drain on SIGTERM, and give up on a crash loop instead of forking forever.
// Run it:  PORT=3000 node lessons/04-restart-on-exit/server.ts               (Node 22.18+, 24, 26)
//          PORT=3000 node --import tsx lessons/04-restart-on-exit/server.ts  (Node 20)
import cluster from 'node:cluster';
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

  // TODO: remember when each worker starts listening (cluster.on('listening', …)), so that you can
  // tell an unstable worker (it died before that, or less than 1 s after) from a stable one.

  cluster.on('exit', (worker) => {
    // TODO: log why it died: the exit code, or the signal that killed it.
    console.log(`worker ${worker.process.pid} died`);
    // TODO: don't replace a worker that left on purpose (worker.exitedAfterDisconnect).
    // TODO: count unstable deaths in a row (a stable death resets the count), wait longer before
    // each new try (100, 200, 300 ms…), and after 5 stop forking: once no worker is left, print why
    // and exit 1.
    cluster.fork();
  });

  // TODO: on SIGTERM, disconnect every worker, replace none, and exit 0 once they are all gone.

  for (let i = 0; i < count; i++) cluster.fork();
} else {
  // A bad deploy on demand: with CRASH_ON_START=1 every worker dies as soon as it starts.
  if (process.env.CRASH_ON_START === '1') process.exit(1); // Don't change this line: the check uses it.

  const app = express();

  app.get('/', (_req, res) => {
    res.json({ pid: process.pid });
  });

  // TODO: add GET /crash: it makes this worker exit with a non-zero code (answering first or not).

  app.listen(port, '127.0.0.1', () => {
    console.log(`worker ${process.pid} listening on http://127.0.0.1:${port}`);
  });
}
