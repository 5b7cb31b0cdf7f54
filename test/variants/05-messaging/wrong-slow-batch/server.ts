// wrong: each worker counts locally and reports the sum once a second, not within 0.2 s: a GET / can
// show in /stats a whole second late, and a total read in between is already out of date.
// fails: a GET / shows in GET /stats within
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
  }, 1000);

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
