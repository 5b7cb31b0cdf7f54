// A worker: HTTP and Socket.IO on connections the primary hands over.
import http from 'node:http';
import express from 'express';
import { Server, type Socket } from 'socket.io';
import { setupWorker } from '@socket.io/sticky';
import { createAdapter } from '@socket.io/cluster-adapter';

const app = express();
app.get('/', (_req, res) => {
  res.json({ pid: process.pid });
});
const io = new Server(http.createServer(app), { adapter: createAdapter() });
setupWorker(io);

function greet(socket: Socket): void {
  socket.emit('hello', { pid: process.pid });
}

io.on('connection', (socket) => {
  greet(socket);
  socket.on('say', (text: string) => io.emit('said', { text, from: process.pid }));
});
