// Wrong: interpreter 'tsx' makes pm2 fall back to fork mode, silently.
// fails: in cluster mode (one per core)
const path = require('node:path');

module.exports = {
  apps: [
    {
      name: 'lesson-06',
      script: path.join(__dirname, 'server.ts'),
      interpreter: 'tsx',
      instances: 'max',
    },
  ],
};
