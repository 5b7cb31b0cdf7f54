// wrong: no message yet is undefined, and res.json drops undefined keys: {"pid"} without "message".
// fails: on every worker before any broadcast
import cluster from 'node:cluster';
import express from 'express';

type Msg = { kind: 'hit' } | { kind: 'total'; total: number } | { kind: 'say'; text: string };

if (cluster.isPrimary) {
  let total = 0;
  const all = (m: Msg): void => {
    for (const w of Object.values(cluster.workers ?? {})) w?.send(m);
  };
  cluster.on('message', (_worker, m: Msg) => {
    if (m.kind === 'hit') all({ kind: 'total', total: ++total });
    if (m.kind === 'say') all(m);
  });
  for (let i = 0; i < Number(process.env.WORKERS || 2); i++) cluster.fork();
} else {
  let total = 0;
  let message: string | undefined;
  process.on('message', (m: Msg) => {
    if (m.kind === 'total') total = m.total;
    if (m.kind === 'say') message = m.text;
  });
  const app = express();
  app.get('/', (_req, res) => {
    process.send?.({ kind: 'hit' });
    res.json({ pid: process.pid });
  });
  app.get('/stats', (_req, res) => {
    res.json({ pid: process.pid, total });
  });
  app.post('/broadcast', express.json(), (req, res) => {
    process.send?.({ kind: 'say', text: String((req.body as { message: unknown }).message) });
    res.json({ ok: true });
  });
  app.get('/message', (_req, res) => {
    res.json({ pid: process.pid, message });
  });
  app.listen(Number(process.env.PORT), '127.0.0.1');
}
