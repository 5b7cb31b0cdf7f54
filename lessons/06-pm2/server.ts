// Lesson 06 — let pm2 run the cluster.
// A plain Express server: one process, no cluster code. pm2 runs one copy per core and shares the
// port between them (see ecosystem.config.cjs). What it needs from the app: a clean exit on SIGINT.
// Run it alone:   PORT=3000 node lessons/06-pm2/server.ts   (Node 22.18+; on Node 20: node --import tsx …)
// Run it in pm2:  PORT=3000 npx pm2 start lessons/06-pm2/ecosystem.config.cjs
import type { Socket } from 'node:net';
import express from 'express';

const app = express();

app.get('/', (_req, res) => {
  res.json({ pid: process.pid });
});

const port = Number(process.env.PORT ?? 3000); // Don't change this line: the check picks the port.
const server = app.listen(port, '127.0.0.1', (err) => {
  // Express 5 hands a listen error (EADDRINUSE) to this callback instead of throwing it.
  if (err) throw err;
  console.log(`pid ${process.pid} listening on http://127.0.0.1:${port}`);
});

// Given, not a TODO (the README says why). Node 26's server.close() also resets every connection
// that has not sent its request yet (nodejs/node#63470; Node 20 and 24 keep them): one pm2's
// primary handed this instance just before SIGINT, or one from a client still sending. So close
// at once only the connections waiting between two requests (keep-alive), as Node 20 and 24 do;
// the linger serves the others.
const betweenRequests = new Set<Socket>();
server.on('connection', (socket) => socket.once('close', () => betweenRequests.delete(socket)));
server.on('request', (req, res) => {
  betweenRequests.delete(req.socket);
  res.once('finish', () => {
    if (!req.socket.destroyed) betweenRequests.add(req.socket);
  });
});
server.closeIdleConnections = () => betweenRequests.forEach((socket) => socket.destroy());

// pm2 stops an instance (reload, restart, stop, delete) with SIGINT, and SIGKILLs it 1.6 s later.
process.on('SIGINT', () => {
  // TODO: stop taking connections (server.close()), wait about 500 ms, and only then exit with
  // code 0.
  process.exit(0);
});
