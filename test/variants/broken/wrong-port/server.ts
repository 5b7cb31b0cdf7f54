// broken: listens on a port of its own choosing (any free one) instead of PORT.
import http from 'node:http';

const server = http.createServer((_req, res) => res.end(JSON.stringify({ pid: process.pid })));
server.listen(0, '127.0.0.1');
