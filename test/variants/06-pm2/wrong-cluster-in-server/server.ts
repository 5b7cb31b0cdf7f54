// Wrong: keeps lesson 03's cluster code in server.ts. Under pm2 each instance is a cluster worker
// and skips the branch, but run alone (node server.ts) it forks workers: two primaries in one app.
// fails: plain server
import cluster from 'node:cluster';
import express from 'express';

if (cluster.isPrimary) {
  cluster.fork(); // one is enough to be wrong: every extra process is pm2's to start
} else {
  const app = express();
  app.get('/', (_req, res) => {
    res.json({ pid: process.pid });
  });
  const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', (err) => {
    if (err) throw err;
  });
  process.on('SIGINT', () => {
    server.close();
    setTimeout(() => process.exit(0), 500);
  });
}
