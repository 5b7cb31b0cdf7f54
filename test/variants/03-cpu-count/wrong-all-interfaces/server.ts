// wrong: app.listen(port) without a host: Node binds every network interface (:: or 0.0.0.0), so
// other machines can reach the server; the contract says 127.0.0.1. Otherwise the solution.
// fails: PORT is bound to 127.0.0.1 only
import cluster from 'node:cluster';
import os from 'node:os';
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

/** How many workers to fork: WORKERS when it is set, else one per core this process may use. */
function workerCount(): number {
  const raw = process.env.WORKERS?.trim() ?? '';
  // availableParallelism() counts the cores this process may run on (it honours CPU affinity,
  // unlike os.cpus().length, which counts every core of the machine).
  if (raw === '') return os.availableParallelism();
  const count = Number(raw);
  // Number('1.5') is 1.5 and Number('abc') is NaN: both fail here, where parseInt would say 1.
  if (!Number.isInteger(count) || count < 1) {
    console.error(`WORKERS must be a whole number of at least 1, got "${raw}"`);
    process.exit(1);
  }
  if (count > os.availableParallelism()) {
    console.warn(`WORKERS=${count} is more than the ${os.availableParallelism()} cores available: the workers will take turns on them`);
  }
  return count;
}

if (cluster.isPrimary) {
  // Decide, and refuse a bad value, before forking anything: a refused start serves nothing.
  const count = workerCount();
  console.log(`primary ${process.pid} forking ${count} workers`);
  for (let i = 0; i < count; i++) cluster.fork();
} else {
  serve();
}
