// ok: the solution behind an nginx.conf with upstream keep-alive, as nginx 1.29.7+ / 1.30 does by default.
// Lesson 09 — beyond one machine.
// The clustered app of lessons 03–05, ready to run on several hosts behind nginx: the request
// total and the broadcast message live in Redis, which every worker on every host shares.
// Run it:  REDIS_URL=redis://127.0.0.1:6379 HOST_ID=a PORT=3001 node --import tsx lessons/09-beyond-one-machine/server.ts
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
  // One connection for commands; a subscribed connection can do nothing but listen, so pub/sub
  // gets a second one.
  const redis = createClient({ url: redisUrl });
  const subscriber = redis.duplicate();
  redis.on('error', (err: Error) => console.error(`redis: ${err.message}`));
  subscriber.on('error', (err: Error) => console.error(`redis subscriber: ${err.message}`));
  await Promise.all([redis.connect(), subscriber.connect()]);

  let lastMessage: string | null = null;
  // Subscribed before listening: a worker that answers requests also hears every broadcast.
  await subscriber.subscribe(CHANNEL, (message) => {
    lastMessage = message;
  });

  const app = express();

  app.get('/', async (_req, res) => {
    // INCR is one atomic step inside Redis: two workers on two hosts can never both read 41 and
    // both write 42. Awaited before answering, so a client that got its answer is counted.
    await redis.incr(TOTAL_KEY);
    res.json({ pid: process.pid, host: hostId });
  });

  app.get('/stats', async (_req, res) => {
    // Any worker on any host reads the same number: the state is not in this process.
    res.json({ total: Number((await redis.get(TOTAL_KEY)) ?? 0) });
  });

  app.post('/broadcast', express.json(), async (req, res) => {
    const message: unknown = req.body?.message;
    if (typeof message !== 'string') {
      res.status(400).json({ error: 'send JSON {"message": "…"}' });
      return;
    }
    // Redis hands it to every subscribed connection: every worker on every host, this one too.
    await redis.publish(CHANNEL, message);
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
