// wrong: lesson 01 again — fib runs on the main thread, which answers nothing else meanwhile
// fails: is computed on a worker thread
import os from 'node:os';
import express from 'express';

const raw = process.env.THREADS?.trim() ?? '';
const size = raw === '' ? os.availableParallelism() : Number(raw);
if (!Number.isInteger(size) || size < 1) {
  console.error(`THREADS must be a whole number of at least 1, got "${raw}"`);
  process.exit(1);
}

function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

const app = express();
app.get('/', (_req, res) => {
  res.json({ pid: process.pid });
});
app.get('/work', (req, res) => {
  const n = Number(req.query.n ?? 30);
  res.json({ pid: process.pid, n, result: fib(n) });
});
app.get('/crash', (_req, res) => {
  res.status(500).json({ pid: process.pid, error: 'nothing to crash' });
});
const port = Number(process.env.PORT ?? 3000);
app.listen(port, '127.0.0.1');
