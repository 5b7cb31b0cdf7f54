// right, differently: the primary pushes nothing about counts; on /stats a worker asks the primary
// and waits for its answer (request/response over IPC, matched by an id).
import cluster from 'node:cluster';
import os from 'node:os';
import express from 'express';

type ToPrimary = { t: 'hit' } | { t: 'ask'; id: number } | { t: 'shout'; text: string };
type ToWorker = { t: 'answer'; id: number; total: number } | { t: 'shout'; text: string };

if (cluster.isPrimary) {
  let total = 0;
  cluster.on('message', (worker, m: ToPrimary) => {
    if (m.t === 'hit') total++;
    else if (m.t === 'ask') worker.send({ t: 'answer', id: m.id, total } satisfies ToWorker);
    else for (const w of Object.values(cluster.workers ?? {})) w?.send({ t: 'shout', text: m.text } satisfies ToWorker);
  });
  const n = Number(process.env.WORKERS || os.availableParallelism());
  for (let i = 0; i < n; i++) cluster.fork();
} else {
  let message: string | null = null;
  let nextId = 0;
  const waiting = new Map<number, (total: number) => void>();
  process.on('message', (m: ToWorker) => {
    if (m.t === 'shout') message = m.text;
    else waiting.get(m.id)?.(m.total);
  });
  const send = (m: ToPrimary): void => {
    process.send?.(m);
  };
  const askTotal = (): Promise<number> =>
    new Promise((resolve) => {
      const id = nextId++;
      waiting.set(id, (total) => {
        waiting.delete(id);
        resolve(total);
      });
      send({ t: 'ask', id });
    });

  const app = express();
  app.get('/', (_req, res) => {
    send({ t: 'hit' });
    res.json({ pid: process.pid });
  });
  app.get('/stats', async (_req, res) => {
    res.json({ pid: process.pid, total: await askTotal() });
  });
  app.post('/broadcast', express.json(), (req, res) => {
    send({ t: 'shout', text: String((req.body as { message: unknown }).message) });
    res.status(204).end();
  });
  app.get('/message', (_req, res) => {
    res.json({ message, pid: process.pid });
  });
  app.listen(Number(process.env.PORT), '127.0.0.1');
}
