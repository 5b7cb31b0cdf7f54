// wrong: app.listen(port) without a host: Node binds every network interface (:: or 0.0.0.0), so
// other machines can reach the server; the contract says 127.0.0.1. Otherwise the solution.
// fails: it listens on 127.0.0.1 only
import express from 'express';

function fib(n: number): number {
  // Two recursive calls per call: about 1.6× the work for every +1 on n, all of it on this thread.
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

const app = express();

app.get('/', (_req, res) => {
  res.json({ pid: process.pid });
});

app.get('/work', (req, res) => {
  const n = Number(req.query.n ?? 30);
  if (!Number.isInteger(n) || n < 0 || n > 45) {
    res.status(400).json({ error: 'n must be a whole number from 0 to 45' });
    return;
  }
  res.json({ pid: process.pid, n, result: fib(n) });
});

const port = Number(process.env.PORT ?? 3000); // Don't change this line: the check picks the port.
app.listen(port, () => {
  console.log(`pid ${process.pid} listening on http://127.0.0.1:${port}`);
});
