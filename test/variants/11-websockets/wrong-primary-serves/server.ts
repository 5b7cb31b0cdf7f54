// The primary runs the Socket.IO server itself (serve() outside the else): it takes the port first,
// so every worker fails to listen (EADDRINUSE) and one process serves everyone. From a client's
// side all seems well: one process needs no sticky sessions and no adapter. GET / is the first to
// tell: the primary answers it with its own pid (and then every hello names the primary).
// fails: GET / answers JSON {"pid"} with the pid of one of the workers
import cluster from 'node:cluster';
import http from 'node:http';
import os from 'node:os';
import express from 'express';
import { Server } from 'socket.io';

const port = Number(process.env.PORT ?? 3000);

function serve(): void {
  const app = express();
  app.get('/', (_req, res) => {
    res.json({ pid: process.pid });
  });
  const httpServer = http.createServer(app);
  const io = new Server(httpServer);
  io.on('connection', (socket) => {
    socket.emit('hello', { pid: process.pid });
    socket.on('say', (text: string) => io.emit('said', { text, from: process.pid }));
  });
  httpServer.on('error', (err) => console.error(`${process.pid}: ${err.message}`));
  httpServer.listen(port, '127.0.0.1');
}

if (cluster.isPrimary) {
  const count = Number(process.env.WORKERS || os.availableParallelism());
  for (let i = 0; i < count; i++) cluster.fork();
}
serve();
