// right, differently: node:http, /crash exits without answering, a Set of live workers, doubling back-off.
import cluster, { type Worker } from 'node:cluster';
import http from 'node:http';
import os from 'node:os';

const port = Number(process.env.PORT);

if (cluster.isPrimary) {
  const want = process.env.WORKERS ? Number(process.env.WORKERS) : os.availableParallelism();
  if (!Number.isInteger(want) || want < 1) {
    console.error(`bad WORKERS: ${process.env.WORKERS}`);
    process.exit(1);
  }
  const live = new Set<Worker>();
  const servingSince = new WeakMap<Worker, number>();
  let unstableInARow = 0;
  let mode: 'running' | 'draining' | 'given-up' = 'running';

  const spawn = (): void => {
    if (mode !== 'running') return;
    const worker = cluster.fork();
    live.add(worker);
    worker.on('listening', () => servingSince.set(worker, Date.now()));
  };

  cluster.on('exit', (worker, code, signal) => {
    live.delete(worker);
    console.log(`worker ${worker.process.pid} exited: ${signal ?? `exit code ${code}`}`);
    if (!worker.exitedAfterDisconnect && mode === 'running') {
      const since = servingSince.get(worker);
      unstableInARow = since !== undefined && Date.now() - since >= 1000 ? 0 : unstableInARow + 1;
      if (unstableInARow >= 5) mode = 'given-up';
      else setTimeout(spawn, Math.min(25 * 2 ** unstableInARow, 400));
    }
    if (live.size === 0 && mode === 'draining') process.exit(0);
    if (live.size === 0 && mode === 'given-up') {
      console.error('workers keep dying right after they start: giving up');
      process.exit(2);
    }
  });

  process.on('SIGTERM', () => {
    mode = 'draining';
    for (const worker of live) worker.disconnect();
    if (live.size === 0) process.exit(0);
  });

  for (let i = 0; i < want; i++) spawn();
} else {
  if (process.env.CRASH_ON_START === '1') process.exit(1);
  http
    .createServer((req, res) => {
      if (req.url === '/crash') process.exit(3); // no answer at all
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ pid: process.pid }));
    })
    .listen(port, '127.0.0.1');
}
