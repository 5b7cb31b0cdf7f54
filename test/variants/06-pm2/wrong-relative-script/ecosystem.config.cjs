// Wrong: a relative script is resolved from where pm2 runs, not from the file.
// fails: wherever pm2 is started from
const path = require('node:path');

module.exports = {
  apps: [
    {
      name: 'lesson-06',
      script: './server.ts',
      interpreter: 'node',
      node_args: '--import tsx',
      exec_mode: 'cluster',
      instances: 'max',
    },
  ],
};
