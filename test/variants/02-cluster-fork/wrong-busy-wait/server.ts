// wrong: /work "simulates CPU load" with a 500 ms busy loop on Date.now(), as many cluster
// tutorials do, then an iterative fib: it burns CPU, the same for every n.
// fails: computes fib(
// Lesson 02 — cluster.fork(): two workers, one port.
// The server from lesson 01, now run by two worker processes. The first process started (the
// primary) serves nothing: it forks the workers and hands each incoming connection to one of them.
// Run it:  PORT=3000 node lessons/02-cluster-fork/server.ts              (Node 22.18+, 24, 26)
//          PORT=3000 node --import tsx lessons/02-cluster-fork/server.ts  (Node 20)
import cluster from 'node:cluster';
import express from 'express';

// Fixed, CPU-bound work: the naive recursive Fibonacci, on purpose without a cache.
function fib(n: number): number {
  let a = 0, b = 1;
  for (let i = 0; i < n; i++) [a, b] = [b, a + b];
  return a;
}

// Simulate a CPU-intensive task: block this worker for half a second.
function simulateLoad(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) { /* spin */ }
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
    simulateLoad(500);
    res.json({ pid: process.pid, n, result: fib(n) });
  });

  const port = Number(process.env.PORT ?? 3000); // Don't change this line: the check picks the port.
  app.listen(port, '127.0.0.1', () => {
    console.log(`pid ${process.pid} listening on http://127.0.0.1:${port}`);
  });
}

if (cluster.isPrimary) {
  cluster.fork();
  cluster.fork();
} else {
  serve();
}
