// "WebSocket only, so no sticky sessions needed" — set on the server. A client with the default
// transports starts with long-polling, which this server refuses (400 "Transport unknown"): the
// choice belongs to the clients (io(url, { transports: ['websocket'] })).
// fails: every client connects
import cluster from 'node:cluster';
import os from 'node:os';
import express from 'express';
import { Server } from 'socket.io';
import { createAdapter, setupPrimary } from '@socket.io/cluster-adapter';

const port = Number(process.env.PORT ?? 3000);

if (cluster.isPrimary) {
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
  const io = new Server(httpServer, { transports: ['websocket'] });
  io.adapter(createAdapter());
  io.on('connection', (socket) => {
    socket.emit('hello', { pid: process.pid });
    socket.on('say', (text: string) => io.emit('said', { text, from: process.pid }));
  });
}
