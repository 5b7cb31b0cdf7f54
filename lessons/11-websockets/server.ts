// Lesson 11 — WebSockets in a cluster.
// Lesson 03's cluster, and each worker now runs a Socket.IO server: a client says something, every
// client hears it. It works with one worker. Run it with two, connect, and watch it fail.
// Run it:  PORT=3000 node lessons/11-websockets/server.ts              (Node 22.18+, 24, 26)
//          PORT=3000 node --import tsx lessons/11-websockets/server.ts  (Node 20)
import cluster from 'node:cluster';
import http from 'node:http';
import os from 'node:os';
import express from 'express';
import { Server } from 'socket.io';

const port = Number(process.env.PORT ?? 3000); // Don't change this line: the check picks the port.

function serve(): void {
  const app = express();
  app.get('/', (_req, res) => {
    res.json({ pid: process.pid });
  });

  const httpServer = http.createServer(app);
  const io = new Server(httpServer);
  // TODO: broadcasts reach this worker's clients only. Give io the cluster adapter
  //       (@socket.io/cluster-adapter's createAdapter()); the primary needs its setupPrimary().

  io.on('connection', (socket) => {
    socket.emit('hello', { pid: process.pid }); // Don't change this line: the check reads it.
    socket.on('say', (text: unknown) => {
      if (typeof text !== 'string') return;
      io.emit('said', { text, from: process.pid });
    });
  });

  // TODO: every worker listens, so the primary deals out connections in turn, and the requests of
  //       one session land on workers that never opened it: "Session ID unknown", 400. Let the
  //       primary own the port and route by session (@socket.io/sticky): here call setupWorker(io)
  //       instead of listening.
  httpServer.listen(port, '127.0.0.1', () => {
    console.log(`worker ${process.pid} listening on http://127.0.0.1:${port}`);
  });
}

/** How many workers to fork: WORKERS when it is set, else one per core (lesson 03). */
function workerCount(): number {
  const raw = process.env.WORKERS?.trim() ?? '';
  if (raw === '') return os.availableParallelism();
  const count = Number(raw);
  if (!Number.isInteger(count) || count < 1) {
    console.error(`WORKERS must be a whole number of at least 1, got "${raw}"`);
    process.exit(1);
  }
  return count;
}

if (cluster.isPrimary) {
  const count = workerCount();
  // TODO: the primary listens on PORT itself (http.createServer(), then listen(port, '127.0.0.1'))
  //       and routes with setupMaster(httpServer); sticky sends Buffers to the workers, so
  //       cluster.setupPrimary({ serialization: 'advanced' }) before forking.
  console.log(`primary ${process.pid} forking ${count} workers`);
  for (let i = 0; i < count; i++) cluster.fork();
  // TODO: replace a worker that dies, as in lesson 04: its clients reconnect to the others meanwhile.
} else {
  serve();
}
