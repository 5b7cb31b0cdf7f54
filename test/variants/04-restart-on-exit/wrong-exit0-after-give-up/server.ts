// wrong: giving up aborts the same AbortController SIGTERM uses, and the 'exit' handler asks "aborted?" first: a worker
// still loading at the give-up makes the primary exit 0 when it dies (a fresh learner's program; it passed 1 time in 4 before the check held one).
// fails: then, with no worker left, the primary exits with a non-zero code
import cluster, { type Worker } from 'node:cluster';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';

const port = Number(process.env.PORT ?? 3000); // Don't change this line: the check picks the port.

if (cluster.isPrimary) {
  const raw = process.env.WORKERS ?? '';
  const count = raw === '' ? os.availableParallelism() : Number(raw);
  if (!Number.isInteger(count) || count < 1) {
    console.error(`WORKERS must be a whole number of at least 1, not "${raw}"`);
    process.exit(1);
  }
  console.log(`primary ${process.pid} forks ${count} workers`);

  const readyAt = new Map<Worker, number>();
  const stop = new AbortController();
  let inARow = 0;
  let gaveUp = false;

  const liveCount = (): number =>
    Object.values(cluster.workers ?? {}).filter((w) => w !== undefined && !w.isDead()).length;

  cluster.on('message', (worker, message: unknown) => {
    if (typeof message === 'object' && message !== null && 'ready' in message) readyAt.set(worker, Date.now());
  });

  async function replace(delay: number): Promise<void> {
    try {
      await sleep(delay, undefined, { signal: stop.signal });
    } catch {
      return; // SIGTERM came while we waited
    }
    if (!gaveUp) cluster.fork();
  }

  function finishIfEmpty(code: number, why: string): void {
    if (liveCount() > 0) return;
    console.log(why);
    process.exit(code);
  }

  cluster.on('exit', (worker, code, signal) => {
    console.log(`worker ${worker.process.pid} died (${signal ? `signal ${signal}` : `exit code ${code}`})`);
    const ready = readyAt.get(worker);
    readyAt.delete(worker);
    if (stop.signal.aborted) return finishIfEmpty(0, 'all workers gone after SIGTERM');
    if (gaveUp) return finishIfEmpty(1, 'giving up: the workers crash as soon as they start (crash loop)');
    if (worker.exitedAfterDisconnect) return;
    const stable = ready !== undefined && Date.now() - ready >= 1000;
    inARow = stable ? 0 : inARow + 1;
    if (inARow >= 5) {
      gaveUp = true;
      stop.abort(); // cancel every try still waiting
      console.error(`${inARow} unstable deaths in a row: no more restarts`);
      return finishIfEmpty(1, 'giving up: the workers crash as soon as they start (crash loop)');
    }
    void replace(100 * inARow);
  });

  process.on('SIGTERM', () => {
    if (gaveUp) return finishIfEmpty(0, 'SIGTERM');
    stop.abort();
    for (const w of Object.values(cluster.workers ?? {})) w?.disconnect();
    finishIfEmpty(0, 'SIGTERM with no worker alive');
  });

  for (let i = 0; i < count; i++) cluster.fork();
} else {
  // A bad deploy on demand: with CRASH_ON_START=1 every worker dies as soon as it starts.
  if (process.env.CRASH_ON_START === '1') process.exit(1); // Don't change this line: the check uses it.

  const app = express();

  app.get('/', (_req, res) => {
    res.json({ pid: process.pid });
  });

  app.get('/crash', (_req, res) => {
    res.on('finish', () => process.exit(42));
    res.status(503).json({ pid: process.pid, bye: true });
  });

  app.listen(port, '127.0.0.1', () => {
    process.send?.({ ready: true });
    console.log(`worker ${process.pid} listening on http://127.0.0.1:${port}`);
  });
}
