// Preloaded into a learner's program (NODE_OPTIONS=--require, see held-open.ts): a handle that
// keeps its event loop from ever emptying, as pm2 does to each instance it runs (pm2 7's
// lib/ProcessContainer.js listens for pm2's messages, and a 'message' listener keeps the IPC
// channel, and so the process, alive). A stop that waits for the loop to empty never ends under
// pm2, which SIGKILLs it after kill_timeout; run on its own, it would end by itself and pass.
// Plain CommonJS: it loads before tsx or Node's type stripping, on every Node the course supports.
'use strict';
setInterval(() => {}, 2 ** 30);
