// wrong: forks Math.round(WORKERS) workers first and checks the value only afterwards. WORKERS=1.5
// forks two workers, then the primary prints its refusal and exits with code 1; the orphaned
// workers die a moment later (EPIPE), before they listen, so the port never answers. The contract
// says a refused start forks nothing.
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
  const count = raw ? Number(raw) : os.availableParallelism();
  for (let i = 0; i < Math.round(count); i++) cluster.fork();
  if (!Number.isInteger(count) || count < 1) {
    console.error(`WORKERS must be a whole number of at least 1, got "${raw}"`);
    process.exit(1);
  }
} else {
  serve();
}
