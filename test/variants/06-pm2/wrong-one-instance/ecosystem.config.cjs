// Wrong: cluster mode with one instance uses one core.
// fails: in cluster mode (one per core)
const path = require('node:path');

module.exports = {
  apps: [
    {
      name: 'lesson-06',
      script: path.join(__dirname, 'server.ts'),
      interpreter: 'node',
      node_args: '--import tsx',
      exec_mode: 'cluster',
      instances: 1,
    },
  ],
};
