// Right, but different: node:http instead of Express, the worker count read in one line, and a
// room every client joins.
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import { availableParallelism } from 'node:os';
import { Server } from 'socket.io';
import { setupMaster, setupWorker } from '@socket.io/sticky';
import { createAdapter, setupPrimary } from '@socket.io/cluster-adapter';

const port = Number(process.env.PORT);

if (cluster.isPrimary) {
  const workers = process.env.WORKERS ? Number(process.env.WORKERS) : availableParallelism();
  cluster.setupPrimary({ serialization: 'advanced' });
  const server = createServer();
  setupMaster(server);
  setupPrimary();
  server.listen(port, '127.0.0.1');
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('exit', () => cluster.fork());
} else {
  const server = createServer((req, res) => {
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ pid: process.pid }));
    }
  });
  const io = new Server(server, { adapter: createAdapter() });
  setupWorker(io);
  io.on('connection', async (socket) => {
    await socket.join('everyone');
    socket.emit('hello', { pid: process.pid });
    socket.on('say', (text: string) => {
      io.to('everyone').emit('said', { text, from: process.pid });
    });
  });
}
