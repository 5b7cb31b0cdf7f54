// Right: node:http instead of Express; the linger is a timer too, if shorter.
import http from 'node:http';

const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ pid: process.pid }));
});

server.listen(Number(process.env.PORT), '127.0.0.1');

process.on('SIGINT', () => {
  server.close();
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 300);
});
