// wrong: forks two workers, but the primary also listens on PORT — it takes the port first, so the
// workers' listen() fails quietly (Express 5 hands EADDRINUSE to the callback) and the primary serves.
// fails: never by the primary
import cluster from 'node:cluster';
import express from 'express';

const fib = (n: number): number => (n < 2 ? n : fib(n - 1) + fib(n - 2));

const app = express();
app.get('/', (_req, res) => {
  res.json({ pid: process.pid });
});
app.get('/work', (req, res) => {
  const n = Number(req.query.n ?? 30);
  res.json({ pid: process.pid, n, result: fib(n) });
});

if (cluster.isPrimary) {
  cluster.fork();
  cluster.fork();
}
app.listen(Number(process.env.PORT), '127.0.0.1');
