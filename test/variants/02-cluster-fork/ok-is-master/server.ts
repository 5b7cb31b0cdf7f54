// right, differently: the deprecated alias cluster.isMaster (still works on Node 20), workers
// forked in a loop, and the pid sent with res.send instead of res.json.
import cluster from 'node:cluster';
import express from 'express';

const fib = (n: number): number => (n < 2 ? n : fib(n - 1) + fib(n - 2));

if (cluster.isMaster) {
  for (const _ of [1, 2]) cluster.fork();
} else {
  const app = express();
  app.get('/', (_req, res) => {
    res.type('json').send(JSON.stringify({ pid: process.pid }));
  });
  app.get('/work', (req, res) => {
    const n = Number(req.query.n ?? 30);
    res.json({ n, result: fib(n), pid: process.pid });
  });
  app.listen(Number(process.env.PORT), '127.0.0.1');
}
