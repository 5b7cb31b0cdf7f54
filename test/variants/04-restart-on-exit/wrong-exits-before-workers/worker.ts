// The worker side of wrong-exits-before-workers: an Express app; /crash answers, then exits with code 1.
import express from 'express';

if (process.env.CRASH_ON_START === '1') process.exit(1);

const app = express();
app.get('/', (_req, res) => {
  res.json({ pid: process.pid });
});
app.get('/crash', (_req, res) => {
  res.on('finish', () => process.exit(1));
  res.json({ pid: process.pid, bye: true });
});
app.listen(Number(process.env.PORT), '127.0.0.1');
