// wrong: handles SIGINT and lingers, then raises SIGINT again (process.kill(process.pid, 'SIGINT')
// with the handler removed) instead of exiting 0: pm2 reads the stop as a crash.
// fails: on SIGINT server.ts
// Lesson 06 — let pm2 run the cluster. A plain Express server; pm2 runs one copy per core.
import type { Socket } from 'node:net';
import express from 'express';

const app = express();

app.get('/', (_req, res) => {
  res.json({ pid: process.pid });
});

const port = Number(process.env.PORT ?? 3000); // Don't change this line: the check picks the port.
const server = app.listen(port, '127.0.0.1', (err) => {
  if (err) throw err;
  console.log(`pid ${process.pid} listening on http://127.0.0.1:${port}`);
});

// Given, not a TODO.
const betweenRequests = new Set<Socket>();
server.on('connection', (socket) => socket.once('close', () => betweenRequests.delete(socket)));
server.on('request', (req, res) => {
  betweenRequests.delete(req.socket);
  res.once('finish', () => {
    if (!req.socket.destroyed) betweenRequests.add(req.socket);
  });
});
server.closeIdleConnections = () => betweenRequests.forEach((socket) => socket.destroy());

process.on('SIGINT', () => {
  server.close();
  setTimeout(() => {
    process.removeAllListeners('SIGINT');
    process.kill(process.pid, 'SIGINT'); // re-raise so the exit status says "killed by SIGINT"
  }, 500);
});
