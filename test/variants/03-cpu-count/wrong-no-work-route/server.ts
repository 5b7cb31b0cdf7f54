// wrong: counts and refuses WORKERS well, but the workers only answer GET /: lesson 02's
// GET /work?n=N was left out, and the contract keeps it.
// fails: GET /work
import cluster from 'node:cluster';
import os from 'node:os';
import express from 'express';

function workerCount(): number {
  const raw = (process.env.WORKERS ?? '').trim();
  if (raw === '') return os.availableParallelism();
  const count = Number(raw);
  if (!Number.isInteger(count) || count < 1) {
    console.error(`WORKERS must be a whole number of at least 1, got "${raw}"`);
    process.exit(1);
  }
  return count;
}

if (cluster.isPrimary) {
  const count = workerCount();
  for (let i = 0; i < count; i++) cluster.fork();
} else {
  const app = express();
  app.get('/', (_req, res) => {
    res.json({ pid: process.pid });
  });
  app.listen(Number(process.env.PORT), '127.0.0.1');
}
