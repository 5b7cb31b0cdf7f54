// Preloaded into a learner's program (NODE_OPTIONS=--require, see spawnLogOptions in spawn-log.ts)
// when WORKSHOP_SPAWN_LOG names a file: every child process the program starts is written to that
// file, one JSON line each, synchronously, before spawn() returns. A primary that forks and then
// exits at once leaves its record behind, whatever the machine's load: looking at the process
// table or the group afterwards races with the orphans' own exit, this does not.
// Every start goes through ChildProcess.prototype.spawn: cluster.fork() → child_process.fork() →
// spawn() → new ChildProcess().spawn(), and exec/execFile too (Node 20 to 26, lib/child_process.js).
// It also writes a line when the program's JS is handed a signal ({"signal": "SIGTERM"}), so that
// a check can tell the forks a program made after it knew of a SIGTERM from those before: Node
// binds process.emit when the first listener for a signal is added (lib/internal/process/
// per_thread.js startListeningIfSignal), and this preload replaces it before the program runs.
// And a line for each worker.disconnect() a cluster primary calls ({"disconnect": pid}): a check
// can wait until a rolling restart has retired an old worker before it sends SIGTERM (lesson 07).
// cluster's Worker.prototype.disconnect is the primary's own (lib/internal/cluster/primary.js);
// it is wrapped at the first fork, so a program that never forks never loads cluster for it.
// Seen on Node 20.20, 24.22 and 26.12, with tsx and with native type stripping.
// Plain CommonJS: it loads before tsx or Node's type stripping, on every Node the course supports.
'use strict';
const log = process.env.WORKSHOP_SPAWN_LOG;
if (log) {
  // Only this process is judged: its children (the workers) inherit NODE_OPTIONS but not this.
  delete process.env.WORKSHOP_SPAWN_LOG;
  const { ChildProcess } = require('node:child_process');
  const { appendFileSync } = require('node:fs');
  const spawn = ChildProcess.prototype.spawn;
  let disconnectsNoted = false;
  const noteDisconnects = () => {
    disconnectsNoted = true;
    const cluster = require('node:cluster');
    if (!cluster.isPrimary) return;
    const disconnect = cluster.Worker.prototype.disconnect;
    cluster.Worker.prototype.disconnect = function disconnectLogged(...args) {
      if (this.process && typeof this.process.pid === 'number') appendFileSync(log, `${JSON.stringify({ disconnect: this.process.pid })}\n`);
      return disconnect.apply(this, args);
    };
  };
  ChildProcess.prototype.spawn = function spawnLogged(options) {
    if (!disconnectsNoted) noteDisconnects();
    try {
      return spawn.call(this, options);
    } finally {
      const file = options && typeof options.file === 'string' ? options.file : '';
      const args = options && Array.isArray(options.args) ? options.args : [];
      appendFileSync(log, `${JSON.stringify({ pid: this.pid ?? null, file, args })}\n`);
    }
  };
  const emit = process.emit;
  process.emit = function emitLogged(name, ...rest) {
    if (typeof name === 'string' && /^SIG[A-Z0-9]+$/.test(name)) appendFileSync(log, `${JSON.stringify({ signal: name })}\n`);
    return emit.call(this, name, ...rest);
  };
}
