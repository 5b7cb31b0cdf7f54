// Lesson 03 — one worker per core.
// Lesson 02's cluster, now with as many workers as this machine has cores, or WORKERS of them.
// Run it:  PORT=3000 node lessons/03-cpu-count/server.ts              (Node 22.18+, 24, 26)
//          WORKERS=3 PORT=3000 node lessons/03-cpu-count/server.ts
//          PORT=3000 node --import tsx lessons/03-cpu-count/server.ts  (Node 20)
import cluster from 'node:cluster';
import os from 'node:os';
import express from 'express';

// Fixed, CPU-bound work: the naive recursive Fibonacci, on purpose without a cache.
function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

function serve(): void {
  const app = express();

  app.get('/', (_req, res) => {
    res.json({ pid: process.pid });
  });

  app.get('/work', (req, res) => {
    const n = Number(req.query.n ?? 30);
    if (!Number.isInteger(n) || n < 0 || n > 45) {
      res.status(400).json({ error: 'n must be a whole number from 0 to 45' });
      return;
    }
    res.json({ pid: process.pid, n, result: fib(n) });
  });

  const port = Number(process.env.PORT ?? 3000); // Don't change this line: the check picks the port.
  app.listen(port, '127.0.0.1', () => {
    console.log(`pid ${process.pid} listening on http://127.0.0.1:${port}`);
  });
}

/** How many workers to fork. */
function workerCount(): number {
  // TODO: one worker per core: os.availableParallelism(), unless WORKERS is set (and not empty).
  //       Refuse a WORKERS that is not a whole number of at least 1 (0, -2, 1.5, abc): print a
  //       message that names WORKERS and exit with a non-zero code, before anything is forked.
  return 2;
}

if (cluster.isPrimary) {
  const count = workerCount();
  console.log(`primary ${process.pid} forking ${count} workers`);
  for (let i = 0; i < count; i++) cluster.fork();
} else {
  serve();
}
