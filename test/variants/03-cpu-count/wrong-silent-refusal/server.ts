// wrong: refuses a bad WORKERS with exit code 1 but says nothing: the user can't tell why.
// fails: is refused: a message naming WORKERS, a non-zero exit
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

if (cluster.isPrimary) {
  const raw = process.env.WORKERS;
  const count = raw ? Number(raw) : os.availableParallelism();
  if (!Number.isInteger(count) || count < 1) process.exit(1);
  for (let i = 0; i < count; i++) cluster.fork();
} else {
  serve();
}
