// Preloaded into a learner's primary (NODE_OPTIONS=--require, see pause-online.ts) when
// WORKSHOP_PAUSE_ONLINE_MS is set: each worker is paused (SIGSTOP) for that long as soon as the
// primary hears it is 'online', and then let go (SIGCONT). That is what a busy machine does to a
// worker still loading: 'online' fires before the worker's own code has loaded, and the loading
// can take seconds. A crash-loop guard that measures "soon" from 'online' (or from fork()) then
// sees a worker that crashes at start die over a second after it came online, every time.
// WORKSHOP_PAUSE_HOLD_ONLINE=<ordinals> (e.g. "1,7-": the first worker to come online, and the
// seventh and every one after it), with a cluster log: those are not let go; a line `h <pid> <Date.now()>`
// in the cluster log names each one, and the check sends them SIGCONT when it chooses.
// WORKSHOP_PAUSE_END_HELD_AT=<n>, with held workers: in the turn the primary takes in its n-th
// worker exit, the first held worker still there is killed (SIGKILL), so the next death comes
// while the tries the primary scheduled for the earlier ones still wait (lesson 04: a try that
// comes due after the give-up).
// Plain CommonJS: it loads before tsx or Node's type stripping, on every Node the course supports.
'use strict';
const log = process.env.WORKSHOP_CLUSTER_LOG; // read before cluster-log.cjs takes it out of the environment
require('./cluster-log.cjs'); // one preload per spawn: this one brings the cluster log along (if asked)
const ms = Number(process.env.WORKSHOP_PAUSE_ONLINE_MS);
const holdSpec = (process.env.WORKSHOP_PAUSE_HOLD_ONLINE ?? '').split(',').filter(Boolean);
// WORKSHOP_PAUSE_ONLINE_FROM=<n>: only the n-th worker to come online and those after it are paused.
const pauseFrom = Number(process.env.WORKSHOP_PAUSE_ONLINE_FROM ?? 1);
/** Whether the n-th worker to come online (from 1) is held. */
const held = (n) => log !== undefined && holdSpec.some((o) => (o.endsWith('-') ? n >= Number(o.slice(0, -1)) : n === Number(o)));
if (ms > 0) {
  // Only the primary pauses: its workers inherit NODE_OPTIONS but not this.
  delete process.env.WORKSHOP_PAUSE_ONLINE_MS;
  delete process.env.WORKSHOP_PAUSE_HOLD_ONLINE;
  delete process.env.WORKSHOP_PAUSE_ONLINE_FROM;
  const endHeldAt = Number(process.env.WORKSHOP_PAUSE_END_HELD_AT ?? 0);
  delete process.env.WORKSHOP_PAUSE_END_HELD_AT;
  const cluster = require('node:cluster');
  if (cluster.isPrimary) {
    const paused = new Set();
    const heldPids = [];
    let onlines = 0;
    let exits = 0;
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
      const n = ++onlines;
      if (n < pauseFrom) return;
      try {
        process.kill(pid, 'SIGSTOP');
      } catch {
        return;
      }
      paused.add(pid);
      if (held(n)) {
        heldPids.push(pid);
        require('node:fs').appendFileSync(log, `h ${pid} ${Date.now()}\n`); // the check lets it go
      } else setTimeout(() => resume(pid), ms);
    });
    if (endHeldAt > 0) {
      cluster.on('exit', (worker) => {
        paused.delete(worker.process.pid);
        if (++exits !== endHeldAt) return;
        const pid = heldPids.find((p) => paused.has(p));
        if (pid === undefined) return;
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone already.
        }
      });
    }
    // A primary that exits meanwhile leaves no worker stopped for good.
    process.on('exit', () => {
      for (const pid of paused) resume(pid);
    });
  }
}
