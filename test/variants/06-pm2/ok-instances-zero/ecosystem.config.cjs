// Right: instances 0 without exec_mode, and an env section without PORT.
const path = require('node:path');

module.exports = {
  apps: [
    {
      name: 'lesson-06',
      script: path.join(__dirname, 'server.ts'),
      interpreter: 'node',
      node_args: '--import tsx',
      // instances alone implies cluster mode with the node interpreter; 0 means one per core.
      instances: 0,
      // An env section is fine as long as it leaves PORT to the shell that runs pm2 start.
      env: { NODE_ENV: 'production' },
    },
  ],
};
