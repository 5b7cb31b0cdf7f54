// wrong: the primary also listens on a Unix-domain control socket: it listens on something.
// fails: the primary serves nothing
// Lesson 02 — cluster.fork(): two workers, one port.
// The server from lesson 01, now run by two worker processes. The first process started (the
// primary) serves nothing: it forks the workers and hands each incoming connection to one of them.
// Run it:  PORT=3000 node lessons/02-cluster-fork/server.ts              (Node 22.18+, 24, 26)
//          PORT=3000 node --import tsx lessons/02-cluster-fork/server.ts  (Node 20)
import cluster from 'node:cluster';
import express from 'express';
import net from 'node:net';

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
  cluster.fork();
  cluster.fork();
  // an admin control socket (Linux's abstract namespace: no file left behind) that prints the workers
  const ctl = `\0cluster-ctl-${process.pid}`;
  net
    .createServer((sock) => {
      sock.end(JSON.stringify(Object.values(cluster.workers ?? {}).map((w) => w?.process.pid)) + '\n');
    })
    .listen(ctl, () => console.log(`control socket ${ctl}`));
} else {
  serve();
}
