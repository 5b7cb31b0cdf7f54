// wrong: forks two workers, but they listen on a port of their own choosing instead of PORT.
// fails: answers GET / on PORT
import cluster from 'node:cluster';
import express from 'express';

const fib = (n: number): number => (n < 2 ? n : fib(n - 1) + fib(n - 2));

if (cluster.isPrimary) {
  cluster.fork();
  cluster.fork();
} else {
  const app = express();
  app.get('/', (_req, res) => {
    res.json({ pid: process.pid });
  });
  app.get('/work', (req, res) => {
    const n = Number(req.query.n ?? 30);
    res.json({ pid: process.pid, n, result: fib(n) });
  });
  app.listen(Number(process.env.PORT) + 1, '127.0.0.1');
}
