// right, differently: os.cpus().length (equal to availableParallelism() on a machine without CPU
// affinity set, as here), a regular expression for the check, and an exit code of 2.
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
  const raw = process.env.WORKERS ?? '';
  if (raw !== '' && !/^[1-9][0-9]*$/.test(raw)) {
    console.error(`Invalid WORKERS: ${raw}`);
    process.exit(2);
  }
  const count = raw === '' ? os.cpus().length : Number(raw);
  for (let i = 0; i < count; i++) cluster.fork();
} else {
  serve();
}
