// Preloaded into a learner's primary (NODE_OPTIONS=--require, see pause-online.ts) when
// WORKSHOP_PAUSE_ONLINE_MS is set: each worker is paused (SIGSTOP) for that long as soon as the
// primary hears it is 'online', and then let go (SIGCONT). That is what a busy machine does to a
// worker still loading: 'online' fires before the worker's own code has loaded, and the loading
// can take seconds. A crash-loop guard that measures "soon" from 'online' (or from fork()) then
// sees a worker that crashes at start die over a second after it came online, every time.
// With WORKSHOP_PAUSE_HOLD_FIRST=<file> the first worker is not let go: its pid is written to that
// file and the check sends it SIGCONT itself (a worker still loading when the primary gives up, for
// certain).
// Plain CommonJS: it loads before tsx or Node's type stripping, on every Node the course supports.
'use strict';
const ms = Number(process.env.WORKSHOP_PAUSE_ONLINE_MS);
let holdFile = process.env.WORKSHOP_PAUSE_HOLD_FIRST;
if (ms > 0) {
  // Only the primary pauses: its workers inherit NODE_OPTIONS but not this.
  delete process.env.WORKSHOP_PAUSE_ONLINE_MS;
  delete process.env.WORKSHOP_PAUSE_HOLD_FIRST;
  const cluster = require('node:cluster');
  if (cluster.isPrimary) {
    const paused = new Set();
    const resume = (pid) => {
      paused.delete(pid);
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // Gone already.
      }
    };
    // Registered before the learner's code runs, so before any listener of theirs on cluster
    // (a worker.on('online') listener runs earlier still: Node emits on the worker first).
    cluster.on('online', (worker) => {
      const pid = worker.process.pid;
      try {
        process.kill(pid, 'SIGSTOP');
      } catch {
        return;
      }
      paused.add(pid);
      if (holdFile) {
        require('node:fs').writeFileSync(holdFile, String(pid)); // the check lets it go
        holdFile = undefined;
      } else setTimeout(() => resume(pid), ms);
    });
    // A primary that exits meanwhile leaves no worker stopped for good.
    process.on('exit', () => {
      for (const pid of paused) resume(pid);
    });
  }
}
