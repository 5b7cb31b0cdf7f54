const path = require('node:path');

module.exports = {
  apps: [
    {
      name: 'lesson-06',
      script: path.join(__dirname, 'server.ts'),
      interpreter: 'node',
      node_args: '--import tsx',
      exec_mode: 'cluster',
      instances: 'max',
      // An instance counts as up once it sends 'ready', not when it first listens.
      wait_ready: true,
    },
  ],
};
