// wrong: /work waits on a timer instead of computing — it takes time but no CPU.
// fails: keeps the CPU busy
import express from 'express';
import { setTimeout as sleep } from 'node:timers/promises';

const app = express();
app.get('/', (_req, res) => {
  res.json({ pid: process.pid });
});
app.get('/work', async (req, res) => {
  const n = Number(req.query.n ?? 30);
  await sleep(Math.round(1.618 ** (n - 25)));
  res.json({ pid: process.pid, n });
});
app.listen(Number(process.env.PORT), '127.0.0.1');
