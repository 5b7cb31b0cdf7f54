// wrong: app.listen(port) without a host: Node binds every network interface (:: or 0.0.0.0), so
// other machines can reach the server; the contract says 127.0.0.1. Otherwise the solution.
// fails: PORT is bound to 127.0.0.1 only
import cluster from 'node:cluster';
import express from 'express';

function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

function serve(): void {
  const app = express();

  app.get('/', (_req, res) => {
    res.json({ pid: process.pid });
  });

  app.get('/work', (req, res) => {
    const n = Number(req.query.n ?? 30);
    if (!Number.isInteger(n) || n < 0 || n > 45) {
      res.status(400).json({ error: 'n must be a whole number from 0 to 45' });
      return;
    }
    res.json({ pid: process.pid, n, result: fib(n) });
  });

  const port = Number(process.env.PORT ?? 3000); // Don't change this line: the check picks the port.
  app.listen(port, () => {
    console.log(`pid ${process.pid} listening on http://127.0.0.1:${port}`);
  });
}

if (cluster.isPrimary) {
  console.log(`primary ${process.pid} forking 2 workers`);
  cluster.fork();
  cluster.fork();
} else {
  // In a worker, listen() asks the primary for the port: the primary holds the one listening
  // socket and passes each new connection to the workers in turn.
  serve();
}
