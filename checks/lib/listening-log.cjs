// Preloaded into a learner's primary (NODE_OPTIONS=--require, see listening-log.ts) when
// WORKSHOP_LISTENING_LOG names a file: each time the primary takes in a worker's 'listening', the
// worker's pid and Date.now() are written to that file, a line each. The listener is registered
// before the learner's code runs, so it runs in the same turn as theirs: the check knows when a
// crash-loop guard's "listening" clock started, and can kill a worker well inside its 1 s.
// Plain CommonJS: it loads before tsx or Node's type stripping, on every Node the course supports.
'use strict';
const log = process.env.WORKSHOP_LISTENING_LOG;
if (log) {
  // Only the primary records: its workers inherit NODE_OPTIONS but not this.
  delete process.env.WORKSHOP_LISTENING_LOG;
  const cluster = require('node:cluster');
  const { appendFileSync } = require('node:fs');
  if (cluster.isPrimary) cluster.on('listening', (worker) => appendFileSync(log, `${worker.process.pid} ${Date.now()}\n`));
}
