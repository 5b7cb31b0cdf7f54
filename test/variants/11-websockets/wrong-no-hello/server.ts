// No hello on connection: a client cannot tell which worker it is on.
// fails: every client connects
import cluster from 'node:cluster';
import http from 'node:http';
import os from 'node:os';
import express from 'express';
import { Server } from 'socket.io';
import { setupMaster, setupWorker } from '@socket.io/sticky';
import { createAdapter, setupPrimary } from '@socket.io/cluster-adapter';

const port = Number(process.env.PORT ?? 3000); // Don't change this line: the check picks the port.

function serve(): void {
  const app = express();
  app.get('/', (_req, res) => {
    res.json({ pid: process.pid });
  });

  // The worker's server never listens: the primary owns the port and hands each connection over.
  const httpServer = http.createServer(app);
  const io = new Server(httpServer);
  // Broadcasts go to the other workers too: through the primary, over the IPC channel.
  io.adapter(createAdapter());
  // Take the connections the primary routes here, and tell it which sessions live here.
  setupWorker(io);

  io.on('connection', (socket) => {
    socket.on('say', (text: unknown) => {
      if (typeof text !== 'string') return;
      // io.emit reaches every client of every worker, the sender included; socket.emit would
      // answer the sender only, socket.broadcast.emit everyone but the sender.
      io.emit('said', { text, from: process.pid });
    });
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
  // The primary reads the first bytes of every connection and sends it to the worker that owns
  // its session (the sid in the query string); a request without a sid starts a session on the
  // worker with the fewest. Round-robin would send a session's next request anywhere: 400.
  const httpServer = http.createServer();
  setupMaster(httpServer, { loadBalancingMethod: 'least-connection' });
  // Relays each worker's broadcasts to every other worker.
  setupPrimary();
  // sticky sends a connection's first bytes as a Buffer: the default JSON channel would turn it
  // into {type: 'Buffer', data: [...]}.
  cluster.setupPrimary({ serialization: 'advanced' });
  console.log(`primary ${process.pid} forking ${count} workers`);
  for (let i = 0; i < count; i++) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    console.log(`worker ${worker.process.pid} died (${signal ?? code}); forking another`);
    cluster.fork();
  });
  httpServer.listen(port, '127.0.0.1', () => {
    console.log(`primary ${process.pid} routing http://127.0.0.1:${port}`);
  });
} else {
  serve();
}
