// wrong: two workers answer, but they pass every fib to the primary over IPC — the work is back on
// one process, and the primary is a server after all.
// fails: side by side
import cluster from 'node:cluster';
import express from 'express';

const fib = (n: number): number => (n < 2 ? n : fib(n - 1) + fib(n - 2));

interface Job {
  readonly id: number;
  readonly n: number;
  readonly result?: number;
}

if (cluster.isPrimary) {
  for (let i = 0; i < 2; i++) {
    const worker = cluster.fork();
    worker.on('message', (job: Job) => worker.send({ id: job.id, n: job.n, result: fib(job.n) }));
  }
} else {
  const waiting = new Map<number, (result: number) => void>();
  let next = 0;
  process.on('message', (job: Job) => {
    waiting.get(job.id)?.(job.result ?? 0);
    waiting.delete(job.id);
  });
  const app = express();
  app.get('/', (_req, res) => {
    res.json({ pid: process.pid });
  });
  app.get('/work', (req, res) => {
    const n = Number(req.query.n ?? 30);
    const id = next++;
    waiting.set(id, (result) => res.json({ pid: process.pid, n, result }));
    process.send?.({ id, n });
  });
  app.listen(Number(process.env.PORT), '127.0.0.1');
}
