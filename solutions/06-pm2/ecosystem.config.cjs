// How pm2 runs this lesson. Start it from the workshop's root folder:
//   PORT=3000 npx pm2 start lessons/06-pm2/ecosystem.config.cjs
// .cjs because pm2 loads it with require(), and this workshop's package.json says "type": "module".
// PORT comes from the shell that runs `pm2 start`: leave it out of an `env` section here.
const path = require('node:path');

// Node 22.18+ (24, 26) runs .ts natively, and pm2 7 uses that, in cluster mode too: nothing to add.
// Node 20 strips no types and pm2 7 refuses a .ts there, so on Node 20 only the instances run
// through tsx's loader. (pm2 reads this file on the Node it runs on, the one its daemon uses.)
const nativeTypeScript = Boolean(process.features.typescript); // 'strip' on 22.18+, unset on 20

module.exports = {
  apps: [
    {
      name: 'lesson-06',
      // An absolute path: pm2 would resolve a relative one from the folder pm2 runs in.
      script: path.join(__dirname, 'server.ts'),
      // pm2's own primary forks one instance per core (os.cpus().length) and shares the port.
      exec_mode: 'cluster',
      instances: 'max',
      // Node 20 only. Cluster mode forks Node itself, so the interpreter must be node; node_args
      // become every instance's execArgv, and tsx's loader runs the .ts in each.
      ...(nativeTypeScript ? {} : { interpreter: 'node', node_args: '--import tsx' }),
    },
  ],
};
