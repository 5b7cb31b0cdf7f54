import cluster from 'node:cluster';
import type { Socket } from 'node:net';
import express from 'express';

const app = express();
app.get('/', (_req, res) => {
  res.json({ pid: process.pid });
});
app.get('/slow', async (req, res) => {
  const ms = Number(req.query.ms);
  await new Promise((r) => setTimeout(r, ms));
  res.json({ pid: process.pid, ms });
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
// Node 26's server.close() also resets a connection whose request is not read yet
// (nodejs/node#63470): close at once only keep-alive connections between requests.
const between = new Set<Socket>();
server.on('connection', (s) => s.once('close', () => between.delete(s)));
server.on('request', (req, res) => {
  between.delete(req.socket);
  res.once('finish', () => {
    if (!req.socket.destroyed) between.add(req.socket);
  });
});
server.closeIdleConnections = () => between.forEach((s) => s.destroy());

// SIGTERM to this worker: ask the primary to retire it (it calls worker.disconnect()).
process.on('SIGTERM', () => cluster.worker?.send({ retire: true }));
