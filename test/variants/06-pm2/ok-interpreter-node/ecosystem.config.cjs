// interpreter 'node' and instances without exec_mode: pm2 implies cluster mode (Common.js
// determineExecMode). Node 22.18+ strips the types; on Node 20 each instance fails to load the .ts
// ("Unknown file extension"), a rejection pm2's ProcessContainer only logs: online, never listening.
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
