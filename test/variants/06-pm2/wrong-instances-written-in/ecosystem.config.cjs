// wrong: instances: 2 written in (this machine's cores), not 'max': the check makes pm2 see 3 cores.
// fails: in cluster mode (one per core)
const path = require('node:path');

const nodeStripsTypes = Boolean(process.features.typescript);

module.exports = {
  apps: [
    {
      name: 'lesson-06',
      script: path.join(__dirname, 'server.ts'),
      ...(nodeStripsTypes ? {} : { interpreter: 'node', node_args: '--import tsx' }),
      exec_mode: 'cluster',
      instances: 2, // my laptop has 2 cores
    },
  ],
};
