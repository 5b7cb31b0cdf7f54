// Preloaded into a learner's primary (NODE_OPTIONS=--require, see cluster-log.ts) when
// WORKSHOP_CLUSTER_LOG names a file; pause-online.cjs loads it too. Each time the primary forks a
// worker, takes in a worker's 'listening' or a child's exit, a line `f <pid> <Date.now()>`,
// `l <pid> <Date.now()>` or `x <pid> <Date.now()>` is appended (and `p`, once, when its own code
// first calls listen()). The listeners are registered
// before the learner's code runs, so they run in the same turn as theirs: the check knows what a
// crash-loop guard's clock says about a worker's life, and whether the primary saw every worker
// exit before it exited itself.
// Each worker notes when its code first calls listen() on a server, `c <pid> <Date.now()>`, in its
// own turn: the check knows what it had done before (lesson 09: subscribed to Redis or not).
// With WORKSHOP_LINGER_AFTER_DISCONNECT_MS, each worker stays alive that long after its IPC channel
// closes, as one with some clean-up left does: a primary that takes a worker's 'disconnect' for its
// exit leaves it running (without it, the exit follows within ms, and in either order).
// Plain CommonJS: it loads before tsx or Node's type stripping, on every Node the course supports.
'use strict';
const log = process.env.WORKSHOP_CLUSTER_LOG;
const workerLog = process.env.WORKSHOP_CLUSTER_LOG_WORKER;
if (log) {
  // The primary records what it takes in; its workers inherit NODE_OPTIONS and only the second name.
  delete process.env.WORKSHOP_CLUSTER_LOG;
  const cluster = require('node:cluster');
  const { appendFileSync } = require('node:fs');
  if (cluster.isPrimary) {
    process.env.WORKSHOP_CLUSTER_LOG_WORKER = log;
    // The first listen() on a server of its own, `p <pid> <Date.now()>`: a program that must refuse
    // its settings before it serves (lesson 10, no cluster) and listened first, however briefly.
    // (In a cluster primary, cluster's own round-robin handle listens too: read it there with care.)
    const { Server } = require('node:net');
    const listen = Server.prototype.listen;
    let listened = false;
    Server.prototype.listen = function listenNoted(...args) {
      if (!listened) appendFileSync(log, `p ${process.pid} ${Date.now()}\n`);
      listened = true;
      return listen.apply(this, args);
    };
    cluster.on('listening', (worker) => appendFileSync(log, `l ${worker.process.pid} ${Date.now()}\n`));
    // 'fork' comes on the next tick after cluster.fork(), so before any I/O that follows: the
    // lines keep the order of forks and exits as the primary met them.
    cluster.on('fork', (worker) => appendFileSync(log, `f ${worker.process.pid} ${Date.now()}\n`));
    // An exit is noted on the child process itself, by a listener added as it is spawned: cluster
    // adds its own after that, and emits the worker's 'exit' and then cluster's from it, in that
    // turn. (A primary that calls process.exit() in worker.on('exit') never reaches cluster's.)
    const { ChildProcess } = require('node:child_process');
    const spawn = ChildProcess.prototype.spawn;
    ChildProcess.prototype.spawn = function spawnNoted(options) {
      const result = spawn.call(this, options);
      this.once('exit', () => appendFileSync(log, `x ${this.pid} ${Date.now()}\n`));
      return result;
    };
  }
} else if (workerLog) {
  delete process.env.WORKSHOP_CLUSTER_LOG_WORKER; // its own children are not workers of the primary
  const linger = Number(process.env.WORKSHOP_LINGER_AFTER_DISCONNECT_MS ?? 0);
  delete process.env.WORKSHOP_LINGER_AFTER_DISCONNECT_MS;
  if (linger > 0 && require('node:cluster').isWorker) process.once('disconnect', () => setTimeout(() => {}, linger));
  if (require('node:cluster').isWorker) {
    const { appendFileSync } = require('node:fs');
    const { Server } = require('node:net');
    const listen = Server.prototype.listen;
    let noted = false;
    Server.prototype.listen = function listenNoted(...args) {
      if (!noted) appendFileSync(workerLog, `c ${process.pid} ${Date.now()}\n`);
      noted = true;
      return listen.apply(this, args);
    };
  }
}
