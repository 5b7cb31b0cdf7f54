// wrong: processes again — a pool of child processes (child_process.fork) computes fib, so the CPU
// time is burned outside this process, with other pids, while the answers say this one's
// fails: is computed on a worker thread
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import express from 'express';

const raw = process.env.THREADS?.trim() ?? '';
const size = raw === '' ? os.availableParallelism() : Number(raw);
if (!Number.isInteger(size) || size < 1) {
  console.error(`THREADS must be a whole number of at least 1, got "${raw}"`);
  process.exit(1);
}

// A child inherits process.execArgv (`--import tsx` on Node 20), so it can run child.ts.
const file = new URL('./child.ts', import.meta.url);
const idle: ChildProcess[] = [];
const waiting: ((child: ChildProcess) => void)[] = [];
const give = (child: ChildProcess): void => {
  const next = waiting.shift();
  if (next) next(child);
  else idle.push(child);
};
function add(): void {
  const child = fork(file);
  child.once('exit', () => add());
  give(child);
}
for (let i = 0; i < size; i++) add();

async function run(n: number): Promise<number> {
  const child = await new Promise<ChildProcess>((resolve) => {
    const free = idle.pop();
    if (free) resolve(free);
    else waiting.push(resolve);
  });
  return new Promise((resolve, reject) => {
    child.once('message', (result) => {
      give(child);
      resolve(Number(result));
    });
    child.once('exit', () => reject(new Error('the process exited')));
    child.send(n);
  });
}

const app = express();
app.get('/', (_req, res) => {
  res.json({ pid: process.pid });
});
app.get('/work', async (req, res) => {
  const n = Number(req.query.n ?? 30);
  res.json({ pid: process.pid, n, result: await run(n) });
});
app.get('/crash', async (_req, res) => {
  try {
    await run(-1);
    res.status(500).json({ pid: process.pid, error: 'did not crash' });
  } catch (error) {
    res.status(500).json({ pid: process.pid, error: (error as Error).message });
  }
});
const port = Number(process.env.PORT ?? 3000);
app.listen(port, '127.0.0.1');
