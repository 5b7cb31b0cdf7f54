// Lesson 10 — threads or processes? One process, one port, one pid: the main thread answers HTTP,
// a fixed pool of worker threads computes fib(n).
// Run it:  PORT=3000 node lessons/10-threads/server.ts              (Node 22.18+, 24, 26)
//          PORT=3000 node --import tsx lessons/10-threads/server.ts  (Node 20)
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import express from 'express';
import type { Job } from './worker.ts';

/** How many threads: THREADS when it is set, else one per core this process may use. */
function poolSize(): number {
  // TODO: unset or empty THREADS: os.availableParallelism(). A whole number of at least 1: that
  // many. Anything else: console.error a message that names THREADS, and process.exit(1).
  return 1;
}

const workerFile = new URL('./worker.ts', import.meta.url);

/**
 * A new thread running worker.ts. Node ≥ 22.18 strips the types itself. On Node 20 TypeScript runs
 * through tsx (`node --import tsx`), and a thread inherits that flag, but tsx 4 installs its ESM
 * hooks in the main thread only there: the thread registers them itself, then imports the file.
 */
function startThread(): Worker {
  if (Reflect.get(process.features, 'typescript')) return new Worker(workerFile);
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(workerFile.href)}); })`;
  return new Worker(boot, { eval: true });
}

interface Task {
  readonly job: Job;
  readonly resolve: (result: number) => void;
  readonly reject: (error: Error) => void;
}

/** A fixed number of threads; jobs wait in a queue for a free one; a thread that dies is replaced. */
class Pool {
  private readonly idle: Worker[] = [];
  private readonly queue: Task[] = [];
  /** The task each busy thread is running. */
  private readonly running = new Map<Worker, Task>();

  constructor(size: number) {
    for (let i = 0; i < size; i++) this.spawn();
  }

  run(job: Job): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.next();
    });
  }

  private spawn(): void {
    const worker = startThread();
    let online = false;
    worker.on('online', () => {
      online = true;
    });
    worker.on('message', (result: number) => {
      this.running.get(worker)?.resolve(result);
      this.running.delete(worker);
      this.idle.push(worker);
      this.next();
    });
    // Without an 'error' listener, a thread's uncaught exception would be rethrown in the main
    // thread and end the process. With one, only this thread ends: fail its task, start another.
    // TODO: worker.on('error', …): what happens to the process without this listener when the
    // thread throws? Reject the task the thread was running (this.running.get(worker)).
    // TODO: worker.on('exit', …): forget this thread, and start another in its place (only if
    // it had come online: one that fails to load would fail again, in a loop).
    void online;
    this.idle.push(worker);
    this.next();
  }

  /** Hand queued tasks to idle threads. */
  private next(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop();
      const task = this.queue.shift();
      if (!worker || !task) return;
      this.running.set(worker, task);
      worker.postMessage(task.job);
    }
  }
}

const pool = new Pool(poolSize());
const app = express();

app.get('/', (_req, res) => {
  res.json({ pid: process.pid });
});

app.get('/work', async (req, res) => {
  const n = Number(req.query.n ?? 30);
  if (!Number.isInteger(n) || n < 0 || n > 45) {
    res.status(400).json({ pid: process.pid, error: 'n must be a whole number from 0 to 45' });
    return;
  }
  try {
    res.json({ pid: process.pid, n, result: await pool.run({ kind: 'fib', n }) });
  } catch (error) {
    res.status(500).json({ pid: process.pid, error: (error as Error).message });
  }
});

app.get('/crash', async (_req, res) => {
  try {
    await pool.run({ kind: 'crash' });
    res.status(500).json({ pid: process.pid, error: 'the thread was meant to crash, and did not' });
  } catch (error) {
    res.status(500).json({ pid: process.pid, error: (error as Error).message });
  }
});

const port = Number(process.env.PORT ?? 3000); // Don't change this line: the check picks the port.
app.listen(port, '127.0.0.1', () => {
  console.log(`pid ${process.pid} listening on http://127.0.0.1:${port}`);
});
