// wrong: setupPrimary's exec names worker.ts relative to the working directory, not to this file:
// it works only when started from this folder, and the README starts it from the workshop's
// (node lessons/02-cluster-fork/server.ts), where there is no worker.ts
// fails: starts and answers GET / on PORT
import cluster from 'node:cluster';

cluster.setupPrimary({ exec: 'worker.ts' });
cluster.fork();
cluster.fork();
