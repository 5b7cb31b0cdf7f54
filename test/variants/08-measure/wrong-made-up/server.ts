// wrong: measures one worker and extrapolates the rest (× workers) instead of measuring them. (see bench.ts; this server is the given one)
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import express from 'express';

function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

function workerCount(): number {
  const raw = process.env.WORKERS ?? '';
  if (raw === '') return availableParallelism();
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`WORKERS must be a whole number of at least 1, not "${raw}"`);
    process.exit(1);
  }
  return n;
}

const port = Number(process.env.PORT ?? 3000);

if (cluster.isPrimary) {
  const count = workerCount();
  for (let i = 0; i < count; i++) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (!worker.exitedAfterDisconnect) console.error(`worker ${worker.process.pid} died (${signal ?? code})`);
  });
} else {
  const app = express();
  app.get('/', (_req, res) => {
    res.json({ pid: process.pid });
  });
  app.get('/work', (req, res) => {
    const n = Number(req.query.n ?? 25);
    if (!Number.isInteger(n) || n < 0 || n > 45) {
      res.status(400).json({ error: 'n must be a whole number from 0 to 45' });
      return;
    }
    res.json({ pid: process.pid, n, result: fib(n) });
  });
  app.listen(port, '127.0.0.1');
}
