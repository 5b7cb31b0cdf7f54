// Right: cwd __dirname with a relative script instead of path.join.
module.exports = {
  apps: [
    {
      name: 'lesson-06',
      cwd: __dirname,
      script: 'server.ts',
      interpreter: 'node',
      node_args: '--import tsx',
      exec_mode: 'cluster',
      instances: 'max',
    },
  ],
};
