// right, differently: server.ts is only ever the primary; cluster.setupPrimary points the workers
// at a separate file, worker.ts.
import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';

cluster.setupPrimary({ exec: fileURLToPath(new URL('./worker.ts', import.meta.url)) });
cluster.fork();
cluster.fork();
