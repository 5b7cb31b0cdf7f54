// wrong: counts and refuses WORKERS well, but once the first worker listens the primary starts a
// status server of its own (on a port the OS picks) that says how many workers it forked. The
// contract says the primary listens on nothing.
// fails: with WORKERS unset
import cluster from 'node:cluster';
import http from 'node:http';
import os from 'node:os';
import express from 'express';

const fib = (n: number): number => (n < 2 ? n : fib(n - 1) + fib(n - 2));

function workerCount(): number {
  const raw = (process.env.WORKERS ?? '').trim();
  if (raw === '') return os.availableParallelism();
  const count = Number(raw);
  if (!Number.isInteger(count) || count < 1) {
    console.error(`WORKERS must be a whole number of at least 1, got "${raw}"`);
    process.exit(1);
  }
  return count;
}

if (cluster.isPrimary) {
  const count = workerCount();
  for (let i = 0; i < count; i++) cluster.fork();
  cluster.once('listening', () => {
    http
      .createServer((_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ forked: count }));
      })
      .listen(0, '127.0.0.1');
  });
} else {
  const app = express();
  app.get('/', (_req, res) => {
    res.json({ pid: process.pid });
  });
  app.get('/work', (req, res) => {
    const n = Number(req.query.n ?? 30);
    res.json({ pid: process.pid, n, result: fib(n) });
  });
  app.listen(Number(process.env.PORT), '127.0.0.1');
}
