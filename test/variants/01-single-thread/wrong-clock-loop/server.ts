// wrong: /work spins until the clock says n × 10 ms — CPU-bound, but not a fixed amount of work.
// fails: costs about
import express from 'express';

const app = express();
app.get('/', (_req, res) => {
  res.json({ pid: process.pid });
});
app.get('/work', (req, res) => {
  const n = Number(req.query.n ?? 30);
  const until = Date.now() + n * 10;
  while (Date.now() < until);
  res.json({ pid: process.pid, n });
});
app.listen(Number(process.env.PORT), '127.0.0.1');
