// Preloaded into a learner's program (NODE_OPTIONS=--require, see spawnLogOptions in spawn-log.ts)
// when WORKSHOP_SPAWN_LOG names a file: every child process the program starts is written to that
// file, one JSON line each, synchronously, before spawn() returns. A primary that forks and then
// exits at once leaves its record behind, whatever the machine's load: looking at the process
// table or the group afterwards races with the orphans' own exit, this does not.
// Every start goes through ChildProcess.prototype.spawn: cluster.fork() → child_process.fork() →
// spawn() → new ChildProcess().spawn(), and exec/execFile too (Node 20 to 26, lib/child_process.js).
// Plain CommonJS: it loads before tsx or Node's type stripping, on every Node the course supports.
'use strict';
const log = process.env.WORKSHOP_SPAWN_LOG;
if (log) {
  // Only this process is judged: its children (the workers) inherit NODE_OPTIONS but not this.
  delete process.env.WORKSHOP_SPAWN_LOG;
  const { ChildProcess } = require('node:child_process');
  const { appendFileSync } = require('node:fs');
  const spawn = ChildProcess.prototype.spawn;
  ChildProcess.prototype.spawn = function spawnLogged(options) {
    try {
      return spawn.call(this, options);
    } finally {
      const file = options && typeof options.file === 'string' ? options.file : '';
      const args = options && Array.isArray(options.args) ? options.args : [];
      appendFileSync(log, `${JSON.stringify({ pid: this.pid ?? null, file, args })}\n`);
    }
  };
}
