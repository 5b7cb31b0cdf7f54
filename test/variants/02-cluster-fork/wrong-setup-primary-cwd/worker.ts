// The worker of wrong-setup-primary-cwd: lesson 01's app, started by the primary with cluster.fork().
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
app.listen(Number(process.env.PORT), '127.0.0.1');
