// broken: listens on a port of its own choosing instead of PORT.
import http from 'node:http';

const server = http.createServer((_req, res) => res.end(JSON.stringify({ pid: process.pid })));
server.listen(Number(process.env.PORT) + 1, '127.0.0.1');
