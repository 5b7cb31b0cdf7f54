// interpreter 'node' and instances without exec_mode: pm2 implies cluster mode (Common.js
// determineExecMode). Node 22.18+ strips the types; Node 20 fails on the .ts ("Unknown file
// extension"), and pm2 restarts the instances again and again.
const path = require('node:path');

module.exports = {
  apps: [
    {
      name: 'lesson-06',
      script: path.join(__dirname, 'server.ts'),
      interpreter: 'node',
      instances: 'max',
    },
  ],
};
