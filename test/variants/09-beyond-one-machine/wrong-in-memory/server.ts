// wrong: lesson 05's design — the primary keeps the total and relays broadcasts over IPC. Right on
// one machine; with two hosts each primary counts only its own requests and relays to its own workers.
// fails: while Redis holds no count yet
import cluster, { type Worker } from 'node:cluster';
import os from 'node:os';
import express from 'express';

const hostId = process.env.HOST_ID ?? os.hostname();
const workers = Number(process.env.WORKERS || os.availableParallelism());

type Msg = { type: 'hit' } | { type: 'total'; total: number } | { type: 'broadcast'; message: string };

if (cluster.isPrimary) {
  let total = 0;
  const all = (): Worker[] => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('message', (_worker, msg: Msg) => {
    if (msg.type === 'hit') {
      total++;
      for (const w of all()) w.send({ type: 'total', total });
    } else if (msg.type === 'broadcast') {
      for (const w of all()) w.send(msg);
    }
  });
} else {
  let total = 0;
  let lastMessage: string | null = null;
  process.on('message', (msg: Msg) => {
    if (msg.type === 'total') total = msg.total;
    if (msg.type === 'broadcast') lastMessage = msg.message;
  });
  const app = express();
  app.get('/', (_req, res) => {
    process.send?.({ type: 'hit' });
    res.json({ pid: process.pid, host: hostId });
  });
  app.get('/stats', (_req, res) => {
    res.json({ total });
  });
  app.post('/broadcast', express.json(), (req, res) => {
    process.send?.({ type: 'broadcast', message: String(req.body?.message) });
    res.status(202).json({ ok: true });
  });
  app.get('/message', (_req, res) => {
    res.json({ pid: process.pid, host: hostId, message: lastMessage });
  });
  app.listen(Number(process.env.PORT), '127.0.0.1');
}
