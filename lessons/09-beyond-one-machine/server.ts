// Lesson 09 — beyond one machine.
// The clustered app of lessons 03–05, about to run on several hosts behind nginx. Its request
// total and broadcast message still live in each worker's memory; move them to Redis.
// Run it:  REDIS_URL=redis://127.0.0.1:6379 HOST_ID=a PORT=3001 node lessons/09-beyond-one-machine/server.ts
//          (Node 22.18+, 24, 26; on Node 20: node --import tsx lessons/09-beyond-one-machine/server.ts)
import cluster from 'node:cluster';
import os from 'node:os';
import express from 'express';
import { createClient } from 'redis';

const hostId = process.env.HOST_ID ?? os.hostname(); // Don't change this line: the check names each host.
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'; // Don't change this line.
const TOTAL_KEY = 'requests:total';
const CHANNEL = 'broadcast';

/** WORKERS from the environment (lesson 03): unset or empty means one per core. */
function workerCount(): number {
  const raw = process.env.WORKERS ?? '';
  if (raw === '') return os.availableParallelism();
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`WORKERS must be a whole number of at least 1, got "${raw}"`);
    process.exit(1);
  }
  return n;
}

if (cluster.isPrimary) {
  const count = workerCount();
  console.log(`host ${hostId}: primary ${process.pid} forks ${count} workers`);
  for (let i = 0; i < count; i++) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (worker.exitedAfterDisconnect) return;
    console.error(`host ${hostId}: worker ${worker.process.pid} died (${signal ?? code}); starting another`);
    cluster.fork();
  });
} else {
  const redis = createClient({ url: redisUrl });
  redis.on('error', (err: Error) => console.error(`redis: ${err.message}`));
  await redis.connect();

  let lastMessage: string | null = null;
  let total = 0;
  // TODO: subscribe to CHANNEL on a second connection (redis.duplicate()), awaited before listening,
  // and keep every message it receives in lastMessage.

  const app = express();

  app.get('/', async (_req, res) => {
    // TODO: count this request in Redis (TOTAL_KEY) with one atomic command, awaited before answering.
    total++;
    res.json({ pid: process.pid, host: hostId });
  });

  app.get('/stats', async (_req, res) => {
    // TODO: answer the total stored in Redis.
    res.json({ total });
  });

  app.post('/broadcast', express.json(), async (req, res) => {
    const message: unknown = req.body?.message;
    if (typeof message !== 'string') {
      res.status(400).json({ error: 'send JSON {"message": "…"}' });
      return;
    }
    // TODO: publish the message on CHANNEL, so that every worker on every host receives it.
    lastMessage = message;
    res.status(202).json({ ok: true });
  });

  app.get('/message', (_req, res) => {
    res.json({ pid: process.pid, host: hostId, message: lastMessage });
  });

  const port = Number(process.env.PORT ?? 3000); // Don't change this line: the check picks the port.
  app.listen(port, '127.0.0.1', () => {
    console.log(`host ${hostId}: worker ${process.pid} listening on http://127.0.0.1:${port}`);
  });
}
