// Right, but different: no cluster adapter. A worker hands each message to the primary over IPC
// (lesson 05), the primary sends it to every worker, and each worker emits it to its own clients.
import cluster, { type Worker } from 'node:cluster';
import http from 'node:http';
import os from 'node:os';
import express from 'express';
import { Server } from 'socket.io';
import { setupMaster, setupWorker } from '@socket.io/sticky';

interface Said {
  readonly type: 'said';
  readonly text: string;
  readonly from: number;
}
const isSaid = (m: unknown): m is Said => typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'said';

if (cluster.isPrimary) {
  const count = Number(process.env.WORKERS?.trim() || os.availableParallelism());
  cluster.setupPrimary({ serialization: 'advanced' });
  const everyone = (): Worker[] => Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
  cluster.on('message', (_from, message: unknown) => {
    if (isSaid(message)) for (const w of everyone()) w.send(message);
  });
  cluster.on('exit', () => cluster.fork());
  for (let i = 0; i < count; i++) cluster.fork();
  const router = http.createServer();
  setupMaster(router, { loadBalancingMethod: 'least-connection' });
  router.listen(Number(process.env.PORT), '127.0.0.1');
} else {
  const app = express();
  app.get('/', (_req, res) => {
    res.json({ pid: process.pid });
  });
  const io = new Server(http.createServer(app));
  setupWorker(io);
  process.on('message', (message: unknown) => {
    if (isSaid(message)) io.local.emit('said', { text: message.text, from: message.from });
  });
  io.on('connection', (socket) => {
    socket.emit('hello', { pid: process.pid });
    socket.on('say', (text: unknown) => {
      if (typeof text === 'string') process.send?.({ type: 'said', text, from: process.pid } satisfies Said);
    });
  });
}
