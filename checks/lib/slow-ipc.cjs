// Preloaded into a learner's primary (NODE_OPTIONS=--require, see slow-ipc.ts) when
// WORKSHOP_SLOW_IPC_MS is set: the primary takes in each message from its workers (cluster's
// 'message' event) that much later, in the order they came. That is what a crowded machine does
// to a worker's IPC now and then, made certain: with @socket.io/sticky, a session's second request
// then reaches the primary before the worker's report of the session's id, which is the race
// lesson 11's README describes. Only the timing changes; every message still arrives, once.
// Plain CommonJS: it loads before tsx or Node's type stripping, on every Node the course supports.
'use strict';
const ms = Number(process.env.WORKSHOP_SLOW_IPC_MS);
if (ms > 0) {
  const cluster = require('node:cluster');
  if (cluster.isPrimary) {
    delete process.env.WORKSHOP_SLOW_IPC_MS; // the workers inherit NODE_OPTIONS, not this
    const emit = cluster.emit;
    /** Messages not yet taken in, oldest first; each is due `ms` after it came. */
    const queue = [];
    let timer;
    const drain = () => {
      timer = undefined;
      const now = performance.now();
      while (queue.length > 0 && queue[0].due <= now) emit.apply(cluster, queue.shift().args);
      if (queue.length > 0) timer = setTimeout(drain, queue[0].due - now);
    };
    cluster.emit = function (event, ...rest) {
      if (event !== 'message') return emit.call(this, event, ...rest);
      queue.push({ due: performance.now() + ms, args: [event, ...rest] });
      timer ??= setTimeout(drain, ms);
      return this.listenerCount('message') > 0;
    };
  }
}
