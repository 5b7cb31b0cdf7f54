// wrong: forks os.cpus().length workers, the tutorials' default, not exactly two: on this 2-core
// machine the same, but the check's copy sees 3 cores.
// fails: two different workers
// Lesson 02 — cluster.fork(): two workers, one port.
// The server from lesson 01, now run by two worker processes. The first process started (the
// primary) serves nothing: it forks the workers and hands each incoming connection to one of them.
// Run it:  PORT=3000 node lessons/02-cluster-fork/server.ts              (Node 22.18+, 24, 26)
//          PORT=3000 node --import tsx lessons/02-cluster-fork/server.ts  (Node 20)
import cluster from 'node:cluster';
import express from 'express';
import os from 'node:os';

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

if (cluster.isPrimary) {
  // one worker per CPU, as every cluster tutorial does
  for (let i = 0; i < os.cpus().length; i++) cluster.fork();
} else {
  serve();
}
