// Lesson 05 — primary and workers talk.
// Every worker should tell the primary about each GET / it serves; the primary keeps the total,
// pushes it to every worker, and relays broadcast messages to all of them. As it stands each
// worker keeps its own count and its own message: try GET /stats a few times and compare.
// Run it:  PORT=3000 node lessons/05-messaging/server.ts               (Node 22.18+, 24, 26)
//          PORT=3000 node --import tsx lessons/05-messaging/server.ts  (Node 20)
import cluster from 'node:cluster';
import os from 'node:os';
import express from 'express';

// What travels between the processes. Each message is JSON-serialised and sent over a pipe.
type Message =
  | { readonly type: 'served' } // worker → primary: I answered one GET /
  | { readonly type: 'broadcast'; readonly message: string } // worker → primary: send this to everyone
  | { readonly type: 'total'; readonly total: number } // primary → workers: the total so far
  | { readonly type: 'message'; readonly message: string }; // primary → workers: a broadcast

// Messages arrive as `unknown`: another process sent them, so look before you trust them.
function isMessage(value: unknown): value is Message {
  if (typeof value !== 'object' || value === null || !('type' in value)) return false;
  switch (value.type) {
    case 'served':
      return true;
    case 'broadcast':
    case 'message':
      return 'message' in value && typeof value.message === 'string';
    case 'total':
      return 'total' in value && typeof value.total === 'number';
    default:
      return false;
  }
}

// WORKERS: unset or empty means one worker per core; anything but a whole number ≥ 1 is refused.
function workerCount(raw: string | undefined): number {
  if (raw === undefined || raw === '') return os.availableParallelism();
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1) {
    console.error(`WORKERS must be a whole number of at least 1, not "${raw}"`);
    process.exit(1);
  }
  return n;
}

if (cluster.isPrimary) {
  const workers = workerCount(process.env.WORKERS);
  let total = 0;

  // cluster.workers is an object keyed by worker id, not an array.
  const broadcast = (message: Message): void => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.send(message);
  };

  cluster.on('message', (_worker, message: unknown) => {
    if (!isMessage(message)) return;
    // TODO: on 'served', add one to the total and broadcast the new total to every worker;
    // on 'broadcast', send every worker a 'message' with the text.
  });

  // A worker that starts late has missed the pushes so far: give it the total once it listens.
  cluster.on('listening', (worker) => {
    worker.send({ type: 'total', total } satisfies Message);
  });

  for (let i = 0; i < workers; i++) cluster.fork();
} else {
  let total = 0;
  let lastMessage: string | null = null;

  process.on('message', (message: unknown) => {
    if (!isMessage(message)) return;
    // TODO: keep the primary's 'total' in total, and a 'message' in lastMessage.
  });

  // process.send exists only in a process started with an IPC channel, as cluster workers are.
  const tell = (message: Message): void => {
    process.send?.(message);
  };

  const app = express();

  app.get('/', (_req, res) => {
    // TODO: tell the primary instead: this counter only ever sees this worker's requests.
    total++;
    res.json({ pid: process.pid });
  });

  app.get('/stats', (_req, res) => {
    res.json({ pid: process.pid, total });
  });

  app.post('/broadcast', express.json(), (req, res) => {
    const body: unknown = req.body;
    const message = typeof body === 'object' && body !== null && 'message' in body ? body.message : undefined;
    if (typeof message !== 'string') {
      res.status(400).json({ error: 'send JSON {"message": "…"}' });
      return;
    }
    // TODO: hand the message to the primary (tell) instead of keeping it in this worker only.
    lastMessage = message;
    res.status(202).json({ pid: process.pid, accepted: message });
  });

  app.get('/message', (_req, res) => {
    res.json({ pid: process.pid, message: lastMessage });
  });

  const port = Number(process.env.PORT ?? 3000); // Don't change this line: the check picks the port.
  app.listen(port, '127.0.0.1', () => {
    console.log(`worker ${process.pid} listening on http://127.0.0.1:${port}`);
  });
}
