// Right, but different: the primary alone in server.ts, the workers in worker.ts
// (cluster.setupPrimary({ exec })), the worker count from os.cpus() unless WORKERS is set.
import cluster from 'node:cluster';
import http from 'node:http';
import os from 'node:os';
import { setupMaster } from '@socket.io/sticky';
import { setupPrimary } from '@socket.io/cluster-adapter';

const count = process.env.WORKERS ? Number(process.env.WORKERS) : os.cpus().length;
cluster.setupPrimary({ exec: new URL('./worker.ts', import.meta.url).pathname, serialization: 'advanced' });
const router = http.createServer();
setupMaster(router);
setupPrimary();
for (let i = 0; i < count; i++) cluster.fork();
cluster.on('exit', (worker) => {
  console.log(`worker ${worker.process.pid} died`);
  cluster.fork();
});
router.listen(Number(process.env.PORT), '127.0.0.1');
