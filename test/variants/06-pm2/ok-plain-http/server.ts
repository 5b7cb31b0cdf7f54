// Right: node:http instead of Express; the linger is a timer too, if shorter.
import http from 'node:http';
import type { Socket } from 'node:net';

const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ pid: process.pid }));
});

server.listen(Number(process.env.PORT), '127.0.0.1');

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

process.on('SIGINT', () => {
  server.close();
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 300);
});
