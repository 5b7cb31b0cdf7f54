// wrong: the workers are right, but once the first one listens the primary also starts a small
// status server of its own that says how many workers are alive (on a port the OS picks: a fixed
// one would collide with other programs here). The contract says the primary listens on nothing:
// it is one more single-threaded server, in the one process whose crash takes every worker down.
// fails: the primary serves nothing
import cluster from 'node:cluster';
import http from 'node:http';
import express from 'express';

const fib = (n: number): number => (n < 2 ? n : fib(n - 1) + fib(n - 2));

if (cluster.isPrimary) {
  cluster.fork();
  cluster.fork();
  cluster.once('listening', () => {
    http
      .createServer((_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ workers: Object.keys(cluster.workers ?? {}).length }));
      })
      .listen(0, '127.0.0.1', function (this: http.Server) {
        console.log('primary status on', this.address());
      });
  });
} else {
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
