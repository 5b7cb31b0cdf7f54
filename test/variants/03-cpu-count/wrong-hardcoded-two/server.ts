// wrong: always forks two workers, whatever WORKERS says and however many cores there are: right
// by luck on a 2-core machine, but the check's default copies see 3 cores.
// fails: with WORKERS unset
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
  for (let i = 0; i < 2; i++) cluster.fork();
} else {
  serve();
}
