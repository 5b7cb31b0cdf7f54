// wrong: forks two workers, but only the first one listens; the second idles.
// fails: two different workers
import cluster from 'node:cluster';
import express from 'express';

const fib = (n: number): number => (n < 2 ? n : fib(n - 1) + fib(n - 2));

if (cluster.isPrimary) {
  cluster.fork();
  cluster.fork();
} else if (cluster.worker?.id === 1) {
  const app = express();
  app.get('/', (_req, res) => {
    res.json({ pid: process.pid });
  });
  app.get('/work', (req, res) => {
    const n = Number(req.query.n ?? 30);
    res.json({ pid: process.pid, n, result: fib(n) });
  });
  app.listen(Number(process.env.PORT), '127.0.0.1');
} else {
  setInterval(() => {}, 60_000); // stays alive, serves nothing
}
