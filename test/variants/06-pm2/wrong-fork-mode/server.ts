// Wrong (see ecosystem.config.cjs): exec_mode 'fork' starts separate processes that fight over the port.
// fails: in cluster mode (one per core)
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

// Node 26's server.close() also resets every connection that has not sent its request yet
// (nodejs/node#63470; Node 20 and 24 keep them): one pm2's primary handed this instance just
// before SIGINT, or one from a client still sending. So close at once only the connections waiting
// between two requests (keep-alive), as Node 20 and 24 do; the linger serves the others.
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
  // Stop taking connections: pm2's primary stops handing this instance new ones (the replacement
  // takes them), and idle keep-alive sockets, which would hold close() open, are ended.
  server.close();
  server.closeIdleConnections();
  // Linger before exiting: a connection the primary handed over just before it learned of close()
  // is still on its way, and exiting at once would reset it. Well within pm2's 1.6 s.
  setTimeout(() => process.exit(0), 500);
});
