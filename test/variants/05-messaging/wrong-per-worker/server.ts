// wrong: each worker counts what it served itself. Every answer looks plausible; none is the total.
// fails: total
import cluster from 'node:cluster';
import express from 'express';

if (cluster.isPrimary) {
  cluster.on('message', (_worker, message: string) => {
    for (const w of Object.values(cluster.workers ?? {})) w?.send(message);
  });
  for (let i = 0; i < Number(process.env.WORKERS || 2); i++) cluster.fork();
} else {
  let total = 0;
  let last: unknown = null;
  process.on('message', (message: unknown) => {
    last = message;
  });
  const app = express();
  app.get('/', (_req, res) => {
    total++;
    res.json({ pid: process.pid });
  });
  app.get('/stats', (_req, res) => {
    res.json({ pid: process.pid, total });
  });
  app.post('/broadcast', express.json(), (req, res) => {
    process.send?.((req.body as { message: string }).message);
    res.sendStatus(204);
  });
  app.get('/message', (_req, res) => {
    res.json({ pid: process.pid, message: last });
  });
  app.listen(Number(process.env.PORT), '127.0.0.1');
}
