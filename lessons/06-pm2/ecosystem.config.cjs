// How pm2 runs this lesson. Start it from the workshop's root folder:
//   PORT=3000 npx pm2 start lessons/06-pm2/ecosystem.config.cjs
// .cjs because pm2 loads it with require(), and this workshop's package.json says "type": "module".
// PORT comes from the shell that runs `pm2 start`: leave it out of an `env` section here.
const path = require('node:path');

module.exports = {
  apps: [
    {
      name: 'lesson-06',
      // TODO: pm2 resolves a relative script from the folder you run pm2 in, not from this file's
      // folder. Make it path.join(__dirname, 'server.ts').
      script: 'server.ts',
      // Node 22.18+ (24, 26): nothing to add for TypeScript, pm2 7 runs the .ts natively.
      // TODO (Node 20 only): pm2 7 refuses .ts files there. Run them with Node and tsx's loader:
      // the interpreter 'node', with node_args '--import tsx'.
      // TODO: cluster mode (exec_mode 'cluster'), one instance per core (instances 'max').
      exec_mode: 'fork',
      instances: 1,
    },
  ],
};
