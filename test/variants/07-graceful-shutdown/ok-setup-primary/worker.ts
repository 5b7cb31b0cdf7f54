import cluster from 'node:cluster';
import express from 'express';

const app = express();
app.get('/', (_req, res) => {
  res.json({ pid: process.pid });
});
app.get('/slow', async (req, res) => {
  const ms = Number(req.query.ms);
  await new Promise((r) => setTimeout(r, ms));
  res.json({ pid: process.pid, ms });
});
app.listen(Number(process.env.PORT), '127.0.0.1');

// SIGTERM to this worker: ask the primary to retire it (it calls worker.disconnect()).
process.on('SIGTERM', () => cluster.worker?.send({ retire: true }));
