// right, differently: each worker counts locally and reports the sum every 100 ms (fewer messages,
// a total up to 100 ms late); the primary pushes the total only when it changed.
import cluster from 'node:cluster';
import os from 'node:os';
import express from 'express';

type Up = { add: number } | { say: string };
type Down = { total: number } | { say: string };

if (cluster.isPrimary) {
  let total = 0;
  const everyone = (m: Down): void => {
    for (const w of Object.values(cluster.workers ?? {})) w?.send(m);
  };
  cluster.on('message', (_worker, m: Up) => {
    if ('add' in m) {
      total += m.add;
      everyone({ total });
    } else {
      everyone(m);
    }
  });
  const n = process.env.WORKERS ? Number(process.env.WORKERS) : os.availableParallelism();
  for (let i = 0; i < n; i++) cluster.fork();
} else {
  let total = 0;
  let unreported = 0;
  let message: string | null = null;
  const up = (m: Up): void => {
    process.send?.(m);
  };
  process.on('message', (m: Down) => {
    if ('total' in m) total = m.total;
    else message = m.say;
  });
  setInterval(() => {
    if (unreported === 0) return;
    up({ add: unreported });
    unreported = 0;
  }, 100);

  const app = express();
  app.get('/', (_req, res) => {
    unreported++;
    res.json({ pid: process.pid });
  });
  app.get('/stats', (_req, res) => {
    res.json({ pid: process.pid, total });
  });
  app.post('/broadcast', express.json(), (req, res) => {
    up({ say: String((req.body as { message: unknown }).message) });
    res.status(202).end();
  });
  app.get('/message', (_req, res) => {
    res.json({ pid: process.pid, message });
  });
  app.listen(Number(process.env.PORT), '127.0.0.1');
}
