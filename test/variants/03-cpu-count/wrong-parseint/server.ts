// wrong: parseInt reads "1.5" as 1 and starts one worker instead of refusing.
// fails: WORKERS=1.5 is refused
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
  const count = raw ? parseInt(raw, 10) : os.availableParallelism();
  if (Number.isNaN(count) || count < 1) {
    console.error(`WORKERS must be a positive whole number, got ${raw}`);
    process.exit(1);
  }
  for (let i = 0; i < count; i++) cluster.fork();
} else {
  serve();
}
