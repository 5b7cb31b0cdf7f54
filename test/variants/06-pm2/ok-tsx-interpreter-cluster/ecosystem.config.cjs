// An explicit exec_mode 'cluster' stays cluster mode whatever the interpreter (Common.js
// determineExecMode), and cluster mode forks pm2's ProcessContainer on the daemon's node with
// node_args as execArgv (God/ClusterMode.js): interpreter 'tsx' is silently ignored. On Node 22.18+
// Node runs the .ts itself; on Node 20 every instance fails on it.
const path = require('node:path');

module.exports = {
  apps: [
    {
      name: 'lesson-06',
      script: path.join(__dirname, 'server.ts'),
      interpreter: 'tsx',
      exec_mode: 'cluster',
      instances: 'max',
    },
  ],
};
