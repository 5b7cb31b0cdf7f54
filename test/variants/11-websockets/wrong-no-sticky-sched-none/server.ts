// No sticky routing, and the kernel instead of the primary picks the worker of each connection
// (SCHED_NONE: the workers race to accept), in the hope that one worker wins a session's requests
// in a row. It does not: tried here on Node 24, 20 sessions in a row met a worker that never
// opened them (400).
// fails: every client connects
import cluster from 'node:cluster';
import os from 'node:os';
import express from 'express';
import { Server } from 'socket.io';
import { createAdapter, setupPrimary } from '@socket.io/cluster-adapter';

const port = Number(process.env.PORT ?? 3000);

if (cluster.isPrimary) {
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  setupPrimary();
  const count = Number(process.env.WORKERS || os.availableParallelism());
  for (let i = 0; i < count; i++) cluster.fork();
  cluster.on('exit', () => cluster.fork());
} else {
  const app = express();
  app.get('/', (_req, res) => {
    res.json({ pid: process.pid });
  });
  const httpServer = app.listen(port, '127.0.0.1');
  const io = new Server(httpServer);
  io.adapter(createAdapter());
  io.on('connection', (socket) => {
    socket.emit('hello', { pid: process.pid });
    socket.on('say', (text: string) => io.emit('said', { text, from: process.pid }));
  });
}
