// The Node 22.18+ way: pm2 7 finds no bun, sees Node's type stripping (lib/tools/typestrip.js) and
// runs server.ts with node itself. On Node 20 pm2 refuses it: "TypeScript apps require bun, …".
const path = require('node:path');

module.exports = {
  apps: [
    {
      name: 'lesson-06',
      script: path.join(__dirname, 'server.ts'),
      exec_mode: 'cluster',
      instances: 'max',
    },
  ],
};
