// right, differently: cluster.isMaster, and a bad WORKERS refused by throwing (Node prints the
// message and exits with code 1).
import cluster from 'node:cluster';
import os from 'node:os';
import express from 'express';

const fib = (n: number): number => (n < 2 ? n : fib(n - 1) + fib(n - 2));

function serve(): void {
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

function workers(): number {
  const raw = process.env.WORKERS;
  if (raw === undefined || raw === '') return os.availableParallelism();
  const count = Number(raw);
  if (!Number.isSafeInteger(count) || count <= 0) throw new RangeError(`WORKERS=${raw} is not a positive whole number`);
  return count;
}

if (cluster.isMaster) {
  const count = workers();
  for (let i = 0; i < count; i++) cluster.fork();
} else {
  serve();
}
