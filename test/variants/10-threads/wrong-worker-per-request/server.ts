// wrong: a new Worker for every request, with no bound: ten requests at once make ten threads
// fails: run on exactly
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import express from 'express';

const raw = process.env.THREADS?.trim() ?? '';
const size = raw === '' ? os.availableParallelism() : Number(raw);
if (!Number.isInteger(size) || size < 1) {
  console.error(`THREADS must be a whole number of at least 1, got "${raw}"`);
  process.exit(1);
}

const file = new URL('./worker.ts', import.meta.url);
function compute(n: number): Promise<number> {
  const workerData = { n };
  const worker = Reflect.get(process.features, 'typescript')
    ? new Worker(file, { workerData })
    : new Worker(`import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(file.href)}); })`, { eval: true, workerData });
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

const app = express();
app.get('/', (_req, res) => {
  res.json({ pid: process.pid });
});
app.get('/work', async (req, res) => {
  const n = Number(req.query.n ?? 30);
  res.json({ pid: process.pid, n, result: await compute(n) });
});
app.get('/crash', async (_req, res) => {
  try {
    await compute(-1);
    res.status(500).json({ pid: process.pid, error: 'did not crash' });
  } catch (error) {
    res.status(500).json({ pid: process.pid, error: (error as Error).message });
  }
});
const port = Number(process.env.PORT ?? 3000);
app.listen(port, '127.0.0.1');
