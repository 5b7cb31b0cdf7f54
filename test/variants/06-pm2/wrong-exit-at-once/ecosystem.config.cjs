// How pm2 runs this lesson. Start it from the workshop's root folder:
//   PORT=3000 npx pm2 start lessons/06-pm2/ecosystem.config.cjs
// .cjs because pm2 loads it with require(), and this workshop's package.json says "type": "module".
// PORT comes from the shell that runs `pm2 start`: leave it out of an `env` section here.
const path = require('node:path');

module.exports = {
  apps: [
    {
      name: 'lesson-06',
      // An absolute path: pm2 would resolve a relative one from the folder pm2 runs in.
      script: path.join(__dirname, 'server.ts'),
      // Cluster mode forks Node itself, so the interpreter must be node; the node_args become
      // every instance's execArgv, and tsx's loader runs the .ts in each.
      interpreter: 'node',
      node_args: '--import tsx',
      // pm2's own primary forks one instance per core (os.cpus().length) and shares the port.
      exec_mode: 'cluster',
      instances: 'max',
    },
  ],
};
